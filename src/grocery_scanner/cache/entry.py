"""A cached store answer: its key, and its JSON form."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from grocery_scanner.fetch.chain import Fetched

if TYPE_CHECKING:
    from grocery_scanner.stores.base import SearchRequest
    from grocery_scanner.stores.profiles import StoreProfile


def request_key(profile: StoreProfile, request: SearchRequest) -> str:
    """The same request to the same store, whatever the order of its parameters or where the store is
    served from today (the demo stores' port changes from run to run)."""
    path = request.url.removeprefix(profile.base_url)
    spec = [profile.id, request.method, path, sorted(request.params.items()), request.json_body]
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class Entry:
    fetched: Fetched
    expires_at: datetime  # UTC: fresh until then

    def to_json(self) -> str:
        f = self.fetched
        return json.dumps(
            {
                "store_id": f.store_id,
                "status": f.status,
                "headers": dict(f.headers),
                "text": f.text,
                "url": f.url,
                "fetched_at": f.fetched_at.isoformat(),
                "elapsed_s": f.elapsed_s,
                "expires_at": self.expires_at.isoformat(),
            }
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Entry | None:
        """The entry, or None for one that is corrupt or not an entry (dropped by the caller)."""
        try:
            data: dict[str, Any] = json.loads(text)
            fetched = Fetched(
                store_id=str(data["store_id"]),
                status=int(data["status"]),
                headers={str(k): str(v) for k, v in dict(data["headers"]).items()},
                text=_text(data["text"]),
                url=str(data["url"]),
                fetched_at=_aware(data["fetched_at"]),
                elapsed_s=float(data["elapsed_s"]),
                cache_tier=None,
            )
            return cls(fetched, _aware(data["expires_at"]))
        except (ValueError, TypeError, KeyError, AttributeError):
            return None


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("the answer's text is not a string")
    return value


def _aware(value: object) -> datetime:
    moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError("a time without its zone")
    return moment
