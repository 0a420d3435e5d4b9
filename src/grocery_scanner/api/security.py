"""The service's guards: the API key, the per-client rate limits and the request size limit."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grocery_scanner.api.state import State

API_KEY_HEADER = "X-API-Key"
_key_header = APIKeyHeader(name=API_KEY_HEADER, auto_error=False, description="The service's API key.")
KeyHeader = Annotated[str | None, Depends(_key_header)]


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _check_key(state: State, given: str | None, what: str) -> None:
    key = state.settings.service.api_key
    if key is None:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"{what} are closed: no API key is configured (GROCERY_SERVICE__API_KEY)"
        )
    if given is None or not secrets.compare_digest(given.encode(), key.get_secret_value().encode()):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            f"{what} need the API key in the {API_KEY_HEADER} header",
            headers={"WWW-Authenticate": "APIKey"},
        )


def require_admin(state: State, given: KeyHeader) -> None:
    _check_key(state, given, "admin endpoints")


def require_writer(state: State, given: KeyHeader) -> None:
    if state.settings.service.protect_writes:
        _check_key(state, given, "write endpoints")


async def rate_limited(request: Request, state: State) -> None:
    await state.limits.take(state.limits.every_request, client_of(request), "requests")


async def submission_limited(request: Request, state: State) -> None:
    await state.limits.take(state.limits.submissions, client_of(request), "plan submissions")


class BodyLimit:
    """Refuses a request body larger than `max_bytes` with 413, whether or not it says its length."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = f'{{"detail":"the request body is larger than {self.max_bytes:,} bytes"}}'.encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass
