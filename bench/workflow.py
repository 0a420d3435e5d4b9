"""The plan workflow's speed and memory on the demo stores.

- single_recipe_s: a 5-ingredient recipe through the whole workflow in process (fresh simulator,
  fresh database, nothing cached; the NLP model is loaded beforehand and timed as parser_load_s);
- batch_10_recipes_s: the ten example recipes in one run;
- warm_batch_10_recipes_s: the same batch again on the same database, as a new run with new services
  (a new process's memory tier is empty): every answer from the disk cache, target <= 1.5 s, and
  warm_batch_store_requests the requests it still sent (target 0);
- cli_end_to_end_s: `grocery-scanner plan` on the 5-ingredient recipe as a new process, start-up
  included, target <= 2.0 s (cli_batch_10_recipes_s: the same for the ten recipes);
- cli_parse_s: `grocery-scanner parse` on a 13-line recipe as a new process, target <= 1.0 s (the
  median of five runs, after one to warm the file cache);
- rate_limit_lower_bound_s: what the stores' configured request rates alone impose on the batch
  (requests to the busiest store / its rate), and batch_vs_lower_bound their ratio;
- peak_rss_mb: this process's peak resident memory (the in-process runs).
Last line: one JSON object.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, emit, peak_rss_mb

os.environ.setdefault("NLTK_DATA", str(ROOT.parent / "shared" / "nltk_data"))

from grocery_scanner.ingest.lines import LineParser
from grocery_scanner.services import Services
from grocery_scanner.settings import Settings
from grocery_scanner.storage.database import Database, database_url
from grocery_scanner.workflow.plan_run import PlanRequest, run_plan

EXAMPLES = ROOT / "examples"
RECIPES = [
    "spaghetti-bolognese.txt",
    "chicken-stir-fry.txt",
    "chili.txt",
    "pancakes.txt",
    "mac-and-cheese.txt",
    "recipes.json",
    "salmon-rice-bowls.html",
    "sheet-pan-fajitas.html",
]  # 5 text + 3 in the JSON + 2 HTML = 10 recipes


FIVE = """# Garlic Butter Pasta
servings: 2
250 g spaghetti
3 tbsp unsalted butter
4 cloves garlic, minced
1/2 cup grated parmesan
2 tbsp fresh parsley, chopped
"""


async def timed_run(inputs: list[str], parser: LineParser, data_dir: Path) -> tuple[float, dict]:
    settings = Settings(data_dir=data_dir)
    db = await Database.open(database_url(settings))
    try:
        started = time.perf_counter()
        services = Services(settings, line_parser=parser)
        result = await run_plan(PlanRequest(inputs=inputs, max_stores=2), services, db)
        return time.perf_counter() - started, result.stats
    finally:
        await db.close()


def cli_run(inputs: list[str], data_dir: Path, command: str = "plan") -> float:
    """Seconds for a `grocery-scanner` command as a new process, start-up included."""
    env = {**os.environ, "GROCERY_DATA_DIR": str(data_dir)}
    options = ["--max-stores", "2", "-f", "json"] if command == "plan" else ["-f", "json"]
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "grocery_scanner", command, *inputs, *options],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{command} command failed: {done.stderr[-500:]}")
    return time.perf_counter() - started


def main() -> None:
    started = time.perf_counter()
    parser = LineParser()
    parser_load = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        five = Path(tmp) / "garlic-butter-pasta.txt"
        five.write_text(FIVE)
        single, _ = asyncio.run(timed_run([str(five)], parser, Path(tmp) / "single"))
        batch_inputs = [str(EXAMPLES / name) for name in RECIPES]
        batch, stats = asyncio.run(timed_run(batch_inputs, parser, Path(tmp) / "batch"))
        warm, warm_stats = asyncio.run(timed_run(batch_inputs, parser, Path(tmp) / "batch"))  # its cache warm
        cli = cli_run([str(five)], Path(tmp) / "cli-single")
        cli_batch = cli_run(batch_inputs, Path(tmp) / "cli-batch")
        thirteen = [str(EXAMPLES / "chicken-stir-fry.txt")]
        cli_run(thirteen, Path(tmp) / "parse", "parse")
        cli_parse = statistics.median(cli_run(thirteen, Path(tmp) / "parse", "parse") for _ in range(5))
    lower_bound = max(n / stats["rate_per_s"][store] for store, n in stats["requests_per_store"].items())
    print(f"batch: {stats['needs']} needs, {stats['requests']} requests, stages {stats['timings_s']}", file=sys.stderr)
    emit(
        {
            "single_recipe_s": round(single, 3),
            "batch_10_recipes_s": round(batch, 3),
            "warm_batch_10_recipes_s": round(warm, 3),
            "warm_batch_store_requests": sum(warm_stats["requests_per_store"].values()),
            "cli_end_to_end_s": round(cli, 3),
            "cli_batch_10_recipes_s": round(cli_batch, 3),
            "cli_parse_s": round(cli_parse, 3),
            "parser_load_s": round(parser_load, 3),
            "peak_rss_mb": peak_rss_mb(),
            "rate_limit_lower_bound_s": round(lower_bound, 3),
            "batch_vs_lower_bound": round(batch / lower_bound, 3),
        }
    )


if __name__ == "__main__":
    main()
