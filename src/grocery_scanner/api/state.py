"""What the service's requests share, made once at start-up and handed to them through FastAPI
dependencies (never module globals): the services builder, the database, the running plans."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from grocery_scanner.api.jobs import Plans
from grocery_scanner.api.ratelimit import RateLimits
from grocery_scanner.services import Services
from grocery_scanner.settings import Settings
from grocery_scanner.storage.database import Database


@dataclass
class ServiceState:
    services: Services
    db: Database
    jobs: Plans
    limits: RateLimits
    started: float = field(default_factory=time.monotonic)
    recovered: asyncio.Event = field(default_factory=asyncio.Event)  # the start-up recovery pass is done
    recovery: dict[str, int] = field(default_factory=dict)  # what it did: resumed, restarted, left
    warming: dict[str, object] = field(default_factory=dict)  # the last scheduled warming, for the dashboard

    @property
    def settings(self) -> Settings:
        return self.services.settings


def get_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


State = Annotated[ServiceState, Depends(get_state)]
