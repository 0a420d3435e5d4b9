"""Connectors by name."""

from __future__ import annotations

from grocery_scanner.errors import UserInputError
from grocery_scanner.stores.base import Connector
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
