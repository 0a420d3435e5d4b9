"""`grocery-scanner`: plan what to buy for your recipes, at which stores, for the least money.

Start with `grocery-scanner plan RECIPE...`; the other commands show each step on its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from typer.core import TyperGroup

from grocery_scanner.cli.consoles import OutputFormat, PlanFormat, console, err_console
from grocery_scanner.cli.monitoring import health_app, metrics
from grocery_scanner.cli.output import check_writable
from grocery_scanner.cli.prodtest import prodtest
from grocery_scanner.cli.quality import quality_app
from grocery_scanner.cli.recovery import dlq_app, workflows_app
from grocery_scanner.errors import GroceryError, UserInputError
from grocery_scanner.ingest.bounds import MAX_SERVINGS
from grocery_scanner.optimize.problem import VISIT_COST, Strategy
from grocery_scanner.settings import Settings, load_settings

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from grocery_scanner.services import Services
    from grocery_scanner.storage.database import Database
    from grocery_scanner.workflow.plan_run import PlanResult
    from grocery_scanner.workflow.stages import ProgressCallback

    PlanWork = Callable[[Database, ProgressCallback], Awaitable[PlanResult]]


class _PlanFirst(TyperGroup):
    """Lists `plan`, the main job, first in --help."""

    def list_commands(self, ctx: typer.Context) -> list[str]:  # type: ignore[override]
        return sorted(super().list_commands(ctx), key=lambda name: name != "plan")


app = typer.Typer(
    cls=_PlanFirst, add_completion=False, no_args_is_help=True, help=__doc__, pretty_exceptions_enable=False
)
simulator_app = typer.Typer(no_args_is_help=True, help="The embedded demo stores.")
app.add_typer(simulator_app, name="simulator")
stores_app = typer.Typer(no_args_is_help=True, help="The stores of a store set and how they are doing.")
app.add_typer(stores_app, name="stores")
cache_app = typer.Typer(no_args_is_help=True, help="The cache of store answers.")
app.add_typer(cache_app, name="cache")
app.add_typer(quality_app, name="quality")
app.add_typer(workflows_app, name="workflows")
app.add_typer(dlq_app, name="dlq")
app.add_typer(health_app, name="health")
app.command()(metrics)
app.command()(prodtest)


StoreOpt = Annotated[list[str] | None, typer.Option("--store", "-s", help="Store id (repeatable); default: all.")]
StoreSetOpt = Annotated[str | None, typer.Option("--store-set", help="demo, canada or a YAML file.")]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f")]


@app.command()
def search(
    queries: Annotated[list[str], typer.Argument(help='What to search for, e.g. "2% milk".')],
    store: StoreOpt = None,
    store_set: StoreSetOpt = None,
    output: FormatOpt = OutputFormat.table,
) -> None:
    """Search the selected stores concurrently, print offers with sizes and unit prices, and record them."""
    from grocery_scanner.cli.output import print_offers_json, print_offers_table
    from grocery_scanner.workflow.searching import recorded_search
    from grocery_scanner.workflow.stages import failure_summary

    services = _services()

    async def run() -> list:
        # every search is recorded as it finishes (its prices for the history, itself as a search item)
        async with services.database() as db:
            return await recorded_search(services, db, "search", queries, store_set, store)

    results = asyncio.run(run())
    failed = [r for r in results if r.error]
    offers = [o for r in results for o in r.offers]
    if output is OutputFormat.json:
        print_offers_json(offers, console)
    else:
        for query in queries:
            print_offers_table([o for r in results if r.query == query for o in r.offers], console, title=query)
    for line in failure_summary(results):
        err_console.print(f"[yellow]warning:[/yellow] {line}", highlight=False)
    if failed and len(failed) == len(results):
        raise typer.Exit(1)


@app.command()
def offers(
    file: Annotated[Path, typer.Argument(help="A saved response or page.")],
    connector: Annotated[
        str | None, typer.Option("--connector", "-c", help="Which format the file is in (detected when not given).")
    ] = None,
    output: FormatOpt = OutputFormat.table,
) -> None:
    """Parse a saved store response and print its offers; the format is detected unless named."""
    from grocery_scanner.cli.output import print_offers_json, print_offers_table
    from grocery_scanner.errors import ParseError
    from grocery_scanner.stores.registry import CONNECTORS, fitting, get_connector

    named = get_connector(connector) if connector else None
    try:
        body = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserInputError(f"{file}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserInputError(f"{file}: cannot read as text ({exc})") from None
    if named is None or connector is None:
        fits = fitting(body, file.stem)
        if not fits:
            raise UserInputError(f"{file}: no connector reads offers from it (formats: {', '.join(CONNECTORS)})")
        connector, page = fits[0]
        err_console.print(f"detected format: {connector}", highlight=False)
    else:
        try:
            page = named.parse(body, file.stem)
        except ParseError as exc:
            raise UserInputError(f"{exc}{_better_connector(body, file.stem, connector)}") from None
        if not page.offers and (hint := _better_connector(body, file.stem, connector)):
            raise UserInputError(f"{file}: no offers read with {connector}{hint}")
    if output is OutputFormat.json:
        print_offers_json(page.offers, console)
    else:
        print_offers_table(page.offers, console, title=f"{file.name} ({connector})")
    for skip in page.skipped:
        err_console.print(f"skipped {skip.name!r}: {skip.reason}")


def _better_connector(body: str, name: str, tried: str) -> str:
    """A hint naming the connector that does read the file, if one does."""
    from grocery_scanner.stores.registry import fitting

    others = [c for c, _ in fitting(body, name) if c != tried]
    return f"; it looks like a '{others[0]}' file: try --connector {others[0]}" if others else ""


ServingsOpt = Annotated[
    float | None, typer.Option("--servings", min=0.01, max=MAX_SERVINGS, help="Scale every recipe to N servings.")
]
RulesOpt = Annotated[Path | None, typer.Option("--rules", help="Your equivalences and brand rules (YAML).")]


def _services(parsing: bool = False):
    """The parts a command uses, built from the settings; warns when ingredient parsing is degraded."""
    from grocery_scanner.services import Services

    services = Services(load_settings())
    if parsing and services.parser.tagger == "fallback":
        from grocery_scanner.ingest.tagger import FALLBACK_WARNING

        err_console.print(f"[yellow]warning:[/yellow] {FALLBACK_WARNING}", highlight=False)
    return services


def _print_problems(problems: list[str]) -> None:
    for problem in problems:
        err_console.print(f"[yellow]warning:[/yellow] {problem}", highlight=False)


@app.command()
def parse(
    inputs: Annotated[list[str], typer.Argument(help="Recipe files (text, JSON, HTML), recipe URLs or lists.")],
    servings: ServingsOpt = None,
    output: FormatOpt = OutputFormat.table,
) -> None:
    """Print the ingredients parsed from recipes and shopping lists."""
    from grocery_scanner.cli.reports import print_recipes
    from grocery_scanner.workflow.stages import read_ingredients

    services = _services(parsing=True)
    reading = read_ingredients(inputs, services.parser, services.matcher(), servings, services.settings.url_policy())
    result = asyncio.run(reading)
    print_recipes(result.recipes, console, output is OutputFormat.json)
    _print_problems(result.problems)


@app.command()
def match(
    inputs: Annotated[list[str], typer.Argument(help="Recipe files (text, JSON, HTML), recipe URLs or lists.")],
    store: StoreOpt = None,
    store_set: StoreSetOpt = None,
    servings: ServingsOpt = None,
    rules: RulesOpt = None,
    output: FormatOpt = OutputFormat.table,
) -> None:
    """For each ingredient, the product chosen at each store, with confidence, reasons, packs and cost."""
    from rich.progress import Progress as Bar

    from grocery_scanner.cli.reports import print_matches
    from grocery_scanner.workflow.stages import failure_summary, match_needs, read_ingredients, search_offers

    services = _services(parsing=True)
    matcher = services.matcher(rules)

    async def run():
        policy = services.settings.url_policy()
        ingredients = await read_ingredients(inputs, services.parser, matcher, servings, policy)
        queries = [q for n in ingredients.needs if not n.pantry for q in matcher.queries(n)]
        async with services.stores(store_set, store) as stores:
            with Bar(console=err_console, transient=True) as bar:
                task = bar.add_task("searching stores", total=len(queries) * len(stores.profiles))
                offers = await search_offers(
                    stores.client,
                    stores.profiles,
                    queries,
                    lambda p: bar.update(task, completed=p.done, description=p.detail),
                )
        return ingredients, offers

    ingredients, offers = asyncio.run(run())
    print_matches(match_needs(matcher, ingredients.needs, offers), console, output is OutputFormat.json)
    _print_problems(ingredients.problems)
    for line in failure_summary([r for results in offers.values() for r in results]):
        err_console.print(f"[yellow]warning:[/yellow] {line}", highlight=False)


PlanFormatOpt = Annotated[PlanFormat, typer.Option("--format", "-f")]
OutputPathOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write the report to this file.")]


@app.command()
def plan(
    inputs: Annotated[
        list[str] | None, typer.Argument(help="Recipe files (text, JSON, HTML), recipe URLs or lists.")
    ] = None,
    store_set: StoreSetOpt = None,
    stores: Annotated[str | None, typer.Option("--stores", help="Comma-separated store ids; default: all.")] = None,
    strategy: Annotated[
        Strategy, typer.Option("--strategy", help="balanced (default) counts a cost per store visited.")
    ] = Strategy.BALANCED,
    visit_cost: Annotated[
        str, typer.Option("--visit-cost", help="What one more store visit is worth to you, for balanced.")
    ] = str(VISIT_COST),
    max_stores: Annotated[int | None, typer.Option("--max-stores", help="Visit at most N stores.")] = None,
    budget: Annotated[str | None, typer.Option("--budget", help="Spend at most this many dollars.")] = None,
    servings: ServingsOpt = None,
    rules: RulesOpt = None,
    output: PlanFormatOpt = PlanFormat.table,
    output_path: OutputPathOpt = None,
    resume: Annotated[
        str | None, typer.Option("--resume", help="Go on with a stopped plan run (its id, or the start of it).")
    ] = None,
    profile: Annotated[
        Path | None, typer.Option("--profile", help="Write a profile of the run here (cProfile; snakeviz opens it).")
    ] = None,
) -> None:
    """Plan what to buy where: parse, search every store, match, optimise, report."""
    from grocery_scanner.optimize.problem import OptimizerInputError, parse_budget, parse_visit_cost
    from grocery_scanner.workflow.plan_run import PlanRequest, resume_plan, run_plan

    if resume is not None:
        if inputs:
            raise UserInputError("--resume goes on with the run's own inputs: give no others")
        services = _services()  # its ingredients come from its checkpoint: no parser to load
        check_writable(output_path)
        check_writable(profile, "--profile")
        result = _run_with_progress(services, lambda db, progress: resume_plan(resume, services, db, progress), profile)
        report_plan(result, output, output_path)
        return
    if not inputs:
        raise typer.BadParameter("name one or more recipe files, URLs or lists (or --resume RUN)", param_hint="INPUTS")
    if max_stores is not None and max_stores < 1:
        raise OptimizerInputError(f"--max-stores: must be at least 1, got {max_stores}")
    services = _services(parsing=True)
    settings = services.settings
    request = PlanRequest(
        inputs=inputs,
        store_set=store_set or settings.store_set,
        store_ids=[s.strip() for s in stores.split(",") if s.strip()] if stores else None,
        strategy=strategy,
        visit_cost=parse_visit_cost(visit_cost),
        max_stores=max_stores,
        budget=parse_budget(budget),
        servings=servings,
        rules_file=rules,
        timeout_s=settings.run_timeout_s,
    )
    check_writable(output_path)
    check_writable(profile, "--profile")
    from grocery_scanner.stores.profiles import load_store_set

    load_store_set(request.store_set).select(request.store_ids)  # a wrong store set fails before any work
    result = _run_with_progress(services, lambda db, progress: run_plan(request, services, db, progress), profile)
    report_plan(result, output, output_path)


def _run_with_progress(services: Services, work: PlanWork, profile: Path | None = None) -> PlanResult:
    """Runs `work(db, on_progress)` (a plan, new or resumed) with a progress bar on stderr; SIGTERM and
    Ctrl-C stop it the same way, recorded as interrupted. With `profile`, the run is profiled (cProfile,
    every stage and the event loop) into that file."""
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Bar

    async def run():
        with Bar(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        ) as bar:
            task = bar.add_task("searching stores", total=None)

            def on_progress(event) -> None:
                if event.stage == "search":
                    bar.update(task, completed=event.done, total=event.total, description=f"searching: {event.detail}")
                else:
                    bar.update(task, description=f"{event.detail} done ({event.done}/{event.total} stages)")

            # SIGTERM stops the run the way Ctrl-C does: the run is recorded as interrupted
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, asyncio.current_task().cancel)
            async with services.database() as db:
                return await work(db, on_progress)

    profiler = cProfile.Profile() if profile is not None else None
    try:
        if profiler is None:
            return asyncio.run(run())
        try:
            return profiler.runcall(asyncio.run, run())
        finally:
            assert profile is not None
            profiler.dump_stats(profile)
            err_console.print(f"profile written to {profile} (snakeviz {profile}, or python -m pstats {profile})")
    except asyncio.CancelledError:
        err_console.print("terminated: the run was stopped and recorded as interrupted")
        sys.exit(143)
    except KeyboardInterrupt:
        err_console.print("interrupted: the run was stopped and recorded as interrupted")
        sys.exit(130)


def report_plan(result: PlanResult, output: PlanFormat, output_path: Path | None) -> None:
    """The plan in the chosen format, on stdout or in a file; exit 1 when nothing could be bought."""
    from grocery_scanner.cli import plan_report
    from grocery_scanner.reports import plan_formats

    _print_problems(result.problems)
    if output is PlanFormat.table:
        if output_path is not None:
            with output_path.open("w", encoding="utf-8") as handle:
                plan_report.render_table(result.plan, Console(file=handle, width=140))
        else:
            plan_report.render_table(result.plan, console)
    else:
        text = {
            PlanFormat.json: plan_formats.render_json,
            PlanFormat.markdown: plan_formats.render_markdown,
            PlanFormat.csv: plan_formats.render_csv,
        }[output](result.plan)
        if output_path is not None:
            output_path.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
    if output_path is not None:
        err_console.print(f"plan written to {output_path}")
    if not result.plan.stores:
        err_console.print("[red]error:[/red] no plan could be made: nothing matched a store product")
        raise typer.Exit(1)


@app.command()
def history(
    query: Annotated[str, typer.Argument(help='Words in the product name, e.g. "2% milk".')],
    limit: Annotated[int, typer.Option(min=1, max=5000)] = 100,
    output: FormatOpt = OutputFormat.table,
) -> None:
    """Print the recorded price history of the products matching QUERY."""
    import json

    from rich.table import Table

    from grocery_scanner.storage.repository import price_history

    services = _services()

    async def run():
        async with services.database() as db, db.session() as session:
            return await price_history(session, query, limit)

    rows = asyncio.run(run())
    if output is OutputFormat.json:
        console.print_json(
            json.dumps(
                [
                    {
                        **r.__dict__,
                        "observed_at": r.observed_at.isoformat(),
                        "price": str(r.price) if r.price is not None else None,
                        "regular_price": str(r.regular_price) if r.regular_price is not None else None,
                        "unit_price": str(r.unit_price) if r.unit_price is not None else None,
                    }
                    for r in rows
                ]
            )
        )
        return
    if not rows:
        err_console.print(f"no recorded prices for {query!r} yet: run a search or a plan first")
        return
    table = Table(title=f"Price history: {query}")
    for column in ("Store", "Product", "Brand", "Size", "Seen", "Price", "Regular", "Unit price"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r.store_id,
            r.product,
            r.brand or "",
            r.size or "",
            r.observed_at.strftime("%Y-%m-%d %H:%M"),
            f"${r.price}" if r.price is not None else "-",
            f"${r.regular_price}" if r.regular_price else "",
            f"${r.unit_price}/{r.unit}" if r.unit_price is not None else "",
        )
    console.print(table)


@app.command()
def runs(limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="How many, newest first.")] = 20) -> None:
    """The recent runs with their status; a run whose process died shows as abandoned."""
    from rich.table import Table

    from grocery_scanner.storage import repository

    services = _services()

    async def run():
        async with services.database() as db, db.session() as session:
            return await repository.recent_runs(session, limit, services.settings.run_stale_s)

    table = Table(title="Runs")
    for column in ("Run", "Kind", "Status", "Started", "Finished", "Error"):
        table.add_column(column, overflow="fold")
    for r in asyncio.run(run()):
        finished = f"{r.finished_at:%Y-%m-%d %H:%M:%S}" if r.finished_at else ""
        table.add_row(r.id[:8], r.kind, r.status, f"{r.started_at:%Y-%m-%d %H:%M:%S}", finished, r.error or "")
    console.print(table)


@stores_app.command("status")
def stores_status(
    store_set: StoreSetOpt = None,
    window: Annotated[int, typer.Option("--window", min=1, max=10080, help="Minutes of searches to judge by.")] = 60,
    output: FormatOpt = OutputFormat.table,
) -> None:
    """Each store's health from its recent searches: success rate, latency, last failure, breaker, status."""
    import json

    from rich.table import Table

    from grocery_scanner.reliability.health import stores_health
    from grocery_scanner.stores.profiles import load_store_set

    services = _services()
    profiles = load_store_set(store_set or services.settings.store_set).stores

    async def run():
        async with services.database() as db, db.session() as session:
            return await stores_health(session, profiles, services.settings, window)

    report = list(zip(profiles, asyncio.run(run()), strict=True))
    if output is OutputFormat.json:
        console.print_json(json.dumps([h.__dict__ for _, h in report]))
        return
    table = Table(title=f"Stores: the last {window} min of searches")
    for column in ("Store", "Status", "Calls", "Success", "p50 ms", "p95 ms", "Last error", "Breaker", "Rate/s"):
        table.add_column(column)
    for p, h in report:
        table.add_row(
            p.name,
            h.status,
            str(h.calls),
            f"{h.success_rate:.0%}" if h.success_rate is not None else "-",
            f"{h.p50_ms:.0f}" if h.p50_ms is not None else "-",
            f"{h.p95_ms:.0f}" if h.p95_ms is not None else "-",
            h.last_error or "",
            h.breaker,
            f"{h.rate_per_s:g}",
        )
    console.print(table)


@cache_app.command("stats")
def cache_stats(output: FormatOpt = OutputFormat.table) -> None:
    """Entries and sizes of the cache tiers kept between runs (the memory tier lives in each process)."""
    import json

    from rich.table import Table

    from grocery_scanner.cache.admin import cache_sizes

    sizes = asyncio.run(cache_sizes(_services()))
    if output is OutputFormat.json:
        console.print_json(json.dumps(sizes))
        return
    table = Table(title="Cache")
    for column in ("Tier", "Entries", "Fresh", "Bytes"):
        table.add_column(column)
    for name, size in sizes.items():
        shown = [f"{size[k]:.0f}" if k in size else "-" for k in ("entries", "fresh", "bytes")]
        table.add_row(name, *shown)
    console.print(table)


@cache_app.command("warm")
def cache_warm(
    top: Annotated[int, typer.Option("--top", min=1, max=10000, help="How many of the most searched queries.")] = 100,
    store_set: StoreSetOpt = None,
) -> None:
    """Searches the most searched queries of the history at every store, as the lowest priority, so the
    cache holds them fresh; answers already fresh cost no request."""
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
    from rich.progress import Progress as Bar

    from grocery_scanner.workflow.warming import Warmed, warm_cache

    services = _services()

    async def run() -> Warmed:
        async with services.database() as db:
            with Bar(
                TextColumn("warming"), BarColumn(), MofNCompleteColumn(), console=err_console, transient=True
            ) as bar:
                task = bar.add_task("warming", total=None)

                def on_progress(event) -> None:
                    bar.update(task, completed=event.done, total=event.total)

                return await warm_cache(services, db, top, store_set, on_progress)

    warmed = asyncio.run(run())
    if not warmed.queries:
        console.print("nothing to warm: no search in the history yet")
        return
    console.print(
        f"warmed {warmed.queries} queries: {warmed.searches} searches, {warmed.fresh} already fresh in the cache, "
        f"{warmed.asked} asked of the stores, {warmed.failed} failed"
    )


@cache_app.command("clear")
def cache_clear(
    store: Annotated[str | None, typer.Option("--store", help="Only this store's answers.")] = None,
) -> None:
    """Drops cached answers (of one store), so the next searches ask the stores."""
    from grocery_scanner.cache.admin import clear_cache

    dropped = asyncio.run(clear_cache(_services(), store))
    console.print(f"dropped {dropped} cached answer(s)" + (f" of {store}" if store else ""))


@simulator_app.command("serve")
def simulator_serve(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 picks a free one).")] = 8765,
    seed: Annotated[int | None, typer.Option(help="Catalog seed.")] = None,
    store_set: StoreSetOpt = None,
) -> None:
    """Serve the demo stores over HTTP until interrupted."""
    from grocery_scanner.simulator.server import Simulator
    from grocery_scanner.stores.profiles import load_store_set

    settings = load_settings()
    profiles = load_store_set(store_set or "demo").stores

    async def run() -> None:
        sim = Simulator(profiles, seed=settings.simulator_seed if seed is None else seed)
        try:
            await sim.start(port=port)
        except OSError as exc:
            raise UserInputError(f"--port {port}: cannot listen on 127.0.0.1:{port} ({exc.strerror})") from None
        try:
            for p in sim.resolve(profiles):
                console.print(f"{p.name:<20} {p.connector:<20} {p.base_url}")
            console.print(f"admin: {sim.url}/__admin/stores  (Ctrl-C to stop)")
            await asyncio.Event().wait()
        finally:
            await sim.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on (0.0.0.0: every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Run the web service: the REST API under /api/v1 (OpenAPI at /docs), the web pages, /health,
    /health/ready and /metrics, until Ctrl-C or SIGTERM (plans under way resume at the next start)."""
    import socket

    import uvicorn

    from grocery_scanner.api.app import create_app

    settings = load_settings()
    application = create_app(settings)  # a wrong setting fails here, as one line
    asyncio.run(_reachable_parts(settings))  # so does an unreachable database or queue
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        raise UserInputError(f"--host {host} --port {port}: cannot listen there ({exc.strerror})") from None
    err_console.print(f"serving on http://{host}:{port} ({settings.environment}; Ctrl-C to stop)")
    uvicorn.run(application, host=host, port=port, log_level=settings.log_level.lower(), access_log=False)


async def _reachable_parts(settings: Settings) -> None:
    """The database (migrated) and, where they are set, the shared state and the queue answer."""
    from grocery_scanner.services import Services
    from grocery_scanner.workers.queue import connected, plan_queue

    async with Services(settings).database():
        pass
    if settings.shared_state_url is not None:
        from grocery_scanner.reliability.shared_state import check_reachable

        check_reachable(settings.shared_state_url.get_secret_value())
    if settings.queue_url is not None:
        await (await connected(plan_queue(settings))).disconnect()


@app.command()
def worker(
    concurrency: Annotated[
        int | None, typer.Option("--concurrency", min=1, max=256, help="Plans at once (worker_concurrency).")
    ] = None,
) -> None:
    """Run a worker: take plans from the queue (queue_url) and run them, until Ctrl-C or SIGTERM (its plans
    under way go back to the queue and resume on another worker from their checkpoints)."""
    from grocery_scanner.workers.worker import run_worker

    settings = load_settings()
    if concurrency is not None:
        settings = settings.model_copy(update={"worker_concurrency": concurrency})
    if settings.queue_url is None:
        raise UserInputError("queue_url is not set (GROCERY_QUEUE_URL=redis://host:6379/1): a worker needs the queue")
    asyncio.run(_reachable_parts(settings))
    err_console.print(f"worker taking plans from the queue, {settings.worker_concurrency} at a time (Ctrl-C to stop)")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_worker(settings))


def main() -> None:
    """Entry point: click handles usage errors; every GroceryError is one line on stderr, exit 2."""
    try:
        from grocery_scanner.monitoring.logs import configure_logging

        settings = load_settings()
        configure_logging(settings.log_format, settings.log_level)
        app()
    except GroceryError as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False)
        sys.exit(2)
    except KeyboardInterrupt:
        err_console.print("aborted")
        sys.exit(130)
