"""The quality gate in the plan workflow: a store serving tenfold prices over real HTTP, a real database."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from grocery_scanner.services import Services
from grocery_scanner.settings import Settings
from grocery_scanner.simulator.catalog import build_catalog, seeded_rng
from grocery_scanner.simulator.formats import sku
from grocery_scanner.storage import quality_records
from grocery_scanner.storage.repository import HELD
from grocery_scanner.storage.tables import OfferRow
from grocery_scanner.stores.profiles import config_dir
from grocery_scanner.workflow.plan_run import PlanRequest, run_plan

ROOT = Path(__file__).resolve().parents[2]
RECIPES = [str(ROOT / "examples" / name) for name in ("chili.txt", "chicken-stir-fry.txt", "banana-bread.txt")]
RATE = 0.2


@pytest.fixture
def anomalous_set(tmp_path: Path) -> Path:
    """The demo stores, Maple Market with a fifth of its prices (and their labels) ten times too high."""
    data = yaml.safe_load((config_dir() / "stores" / "demo.yaml").read_text())
    maple = next(s for s in data["stores"] if s["id"] == "maple-market")
    maple["simulator"]["faults"]["anomaly_rate"] = RATE
    path = tmp_path / "anomalous.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def tenfold_skus(settings: Settings) -> set[str]:
    """The products the simulator serves at ten times their price (the same draw as the simulator's)."""
    catalog = build_catalog("maple-market", "Maple Choice", settings.simulator_seed)
    seed = settings.simulator_seed
    drawn = [p for p in catalog if seeded_rng(seed, "maple-market", p.key, "anomaly").random() < RATE]
    return {sku(p) for p in drawn}


@pytest.mark.slow
async def test_no_tenfold_price_is_bought_and_the_plan_says_what_it_set_aside(
    settings, db, line_parser, anomalous_set
) -> None:
    services = Services(settings, line_parser=line_parser)
    tenfold = tenfold_skus(settings)
    # the measured case on a fresh install: a plan limited to that store, nothing recorded before it
    limited = await run_plan(
        PlanRequest(inputs=RECIPES, store_set=str(anomalous_set), store_ids=["maple-market"]), services, db
    )
    # what no sibling on its shelf could vouch for was compared with two stores the plan left out
    assert len(limited.stats["quality"]["asked_elsewhere"]) == 2
    first = await run_plan(PlanRequest(inputs=RECIPES, store_set=str(anomalous_set)), services, db)
    assert first.stats["quality"]["asked_elsewhere"] == {}  # it asked every store itself
    for result in (first, limited):
        bought = [line for line in result.plan.lines if line.store_id == "maple-market"]
        assert bought or result is first  # a plan over every store may well buy nothing there
        assert not [line.product for line in bought if line.sku.split("_")[0] in tenfold]
        assert result.plan.set_aside and all(item.reason for item in result.plan.set_aside)
        assert result.stats["quality"]["quarantined"] == len(result.plan.set_aside)
        assert all(line.quality is not None for line in result.plan.lines)
    # what was set aside is held in the database, out of the price history
    async with db.session() as session:
        rows = await quality_records.quarantine(session, "maple-market")
        held_rows = (await session.scalars(select(OfferRow).where(OfferRow.quality == HELD))).all()
    assert rows and len(held_rows) >= len(limited.plan.set_aside)
    scores = first.stats["quality"]["stores"]
    assert scores["maple-market"]["accuracy"] < 90 < scores["northern-basket"]["accuracy"]


async def test_the_quarantine_life_cycle(settings, db, line_parser, anomalous_set) -> None:
    services = Services(settings, line_parser=line_parser)
    inputs = [str(ROOT / "examples" / "chili.txt")]
    await run_plan(PlanRequest(inputs=inputs, store_set=str(anomalous_set)), services, db)
    async with db.session() as session:
        held = await quality_records.quarantine(session)
    assert len(held) >= 2
    released, dropped = held[0], held[1]
    async with db.session() as session:
        await quality_records.resolve(session, released.id, release=True)
        await quality_records.resolve(session, dropped.id, release=False)
    async with db.session() as session:
        assert (await session.get(OfferRow, released.offer_id)).quality == "ok"
        assert await session.get(OfferRow, dropped.offer_id) is None
        remaining = {r.id for r in await quality_records.quarantine(session)}
        assert released.id not in remaining and dropped.id not in remaining
        with pytest.raises(Exception, match="already released"):
            await quality_records.resolve(session, released.id, release=False)
        summary = await quality_records.summary(session)
    assert summary.held == len(remaining)
    assert any(kind == "peer_outlier" for _, kind, _, _ in summary.counts)
