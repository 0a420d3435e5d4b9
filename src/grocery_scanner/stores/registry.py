"""Connectors by name."""

from __future__ import annotations

from grocery_scanner.errors import ParseError, UserInputError
from grocery_scanner.stores.base import Connector, ParsedPage
from grocery_scanner.stores.flipp import FlippFlyerConnector, FlippSearchConnector
from grocery_scanner.stores.jsonld import JsonLdConnector
from grocery_scanner.stores.metro import MetroConnector
from grocery_scanner.stores.nextdata import NextDataConnector
from grocery_scanner.stores.pcexpress import PcExpressConnector
from grocery_scanner.stores.sobeys import SobeysAlgoliaConnector
from grocery_scanner.stores.voila import VoilaConnector

CONNECTORS: dict[str, Connector] = {
    c.name: c
    for c in (
        PcExpressConnector(),
        NextDataConnector(),
        MetroConnector(),
        FlippSearchConnector(),
        FlippFlyerConnector(),
        VoilaConnector(),
        SobeysAlgoliaConnector(),
        JsonLdConnector(),
    )
}


def get_connector(name: str) -> Connector:
    try:
        return CONNECTORS[name]
    except KeyError:
        raise UserInputError(f"unknown connector '{name}'; valid connectors: {', '.join(CONNECTORS)}") from None


def fitting(body: str, store_id: str) -> list[tuple[str, ParsedPage]]:
    """The connectors that read offers from `body`, most offers first (ties in registry order).

    The generic JSON-LD reader only counts when no store-specific connector fits.
    """
    found: list[tuple[str, ParsedPage]] = []
    for name, connector in CONNECTORS.items():
        try:
            page = connector.parse(body, store_id)
        except ParseError:
            continue
        except (ValueError, TypeError, AttributeError, KeyError):  # a body far from this format
            continue
        if page.offers:
            found.append((name, page))
    specific = [f for f in found if f[0] != JsonLdConnector.name] or found
    return sorted(specific, key=lambda f: -len(f[1].offers))
