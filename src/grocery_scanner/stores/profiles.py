"""Store profiles: which connector reads a store, where it lives, and how hard we may call it."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from grocery_scanner.errors import UserInputError
from grocery_scanner.reliability.policies import BreakerPolicy, CachePolicy, RequestLimits, RetryPolicy
from grocery_scanner.settings import config_dir

SIMULATOR_URL = "simulator"
_ENV_REF = re.compile(r"\$\{([A-Z0-9_]+)\}")


class StoreProfile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    connector: str
    base_url: str
    search: dict[str, str] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    page_size: int = Field(default=48, ge=1, le=200)
    limits: RequestLimits = Field(default_factory=RequestLimits)
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    breaker: BreakerPolicy = Field(default_factory=BreakerPolicy)
    cache: CachePolicy = Field(default_factory=CachePolicy)
    # another store of the set that stands in when this one cannot answer (its Flipp flyer)
    alternative: str | None = None
    standby: bool = False  # searched only as another store's alternative, or when chosen by id
    simulator: dict[str, Any] | None = None

    @field_validator("connector")
    @classmethod
    def _known_connector(cls, name: str) -> str:
        from grocery_scanner.stores.registry import CONNECTORS

        if name not in CONNECTORS:
            raise ValueError(f"unknown connector '{name}'; valid connectors: {', '.join(CONNECTORS)}")
        return name

    def with_default_timeout(self, timeout_s: float) -> StoreProfile:
        """This profile, with `timeout_s` where it sets no timeout of its own."""
        if self.limits.timeout_s:
            return self
        return self.model_copy(update={"limits": self.limits.model_copy(update={"timeout_s": timeout_s})})

    def resolved_headers(self) -> dict[str, str]:
        """Headers with ${ENV_VAR} references filled in (API keys stay out of the YAML)."""
        return {k: _ENV_REF.sub(lambda m: os.environ.get(m.group(1), ""), v) for k, v in self.headers.items()}


class StoreSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    # settings every store of the set starts from (limits, retry, breaker, cache); a store overrides them
    defaults: dict[str, Any] = Field(default_factory=dict)
    stores: list[StoreProfile] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _apply_defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("defaults"), dict):
            return data
        defaults = data["defaults"]
        stores = [_merged(defaults, s) if isinstance(s, dict) else s for s in data.get("stores") or []]
        return {**data, "stores": stores}

    @field_validator("stores")
    @classmethod
    def _unique_ids(cls, stores: list[StoreProfile]) -> list[StoreProfile]:
        ids = [s.id for s in stores]
        if duplicates := sorted({i for i in ids if ids.count(i) > 1}):
            raise ValueError(f"store id {', '.join(duplicates)} is used more than once")
        for store in stores:
            if store.alternative is not None and (store.alternative == store.id or store.alternative not in ids):
                raise ValueError(f"store {store.id}: alternative '{store.alternative}' is not another store of the set")
        return stores

    def select(self, ids: list[str] | None) -> list[StoreProfile]:
        """The stores chosen by id; by default every store that is not on standby."""
        if not ids:
            return [s for s in self.stores if not s.standby]
        known = {s.id: s for s in self.stores}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise UserInputError(
                f"unknown store id {', '.join(unknown)}; valid ids in set '{self.name}': {', '.join(known)}"
            )
        return [known[i] for i in ids]


def _merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`override` on top of `base`, nested settings merged key by key."""
    merged = dict(base)
    for key, value in override.items():
        merged[key] = (
            _merged(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
        )
    return merged


def bundled_sets() -> dict[str, Path]:
    return {p.stem: p for p in sorted((config_dir() / "stores").glob("*.yaml"))}


def load_store_set(name_or_path: str) -> StoreSet:
    """A bundled set by name (demo, canada) or a YAML file by path."""
    sets = bundled_sets()
    path = sets.get(name_or_path) or Path(name_or_path)
    if not path.is_file():
        raise UserInputError(f"unknown store set '{name_or_path}'; valid sets: {', '.join(sets)} or a YAML file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return StoreSet.model_validate(data)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UserInputError(f"store set {path} is not readable YAML: {' '.join(str(exc).split())}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = list(first["loc"])
        stores = data.get("stores") if isinstance(data, dict) else None
        by_id = loc[2:] != ["id"]  # a store whose id is the problem is named by its place
        if by_id and len(loc) >= 2 and loc[0] == "stores" and isinstance(loc[1], int) and isinstance(stores, list):
            store = stores[loc[1]] if loc[1] < len(stores) else None
            named = store.get("id") if isinstance(store, dict) else None
            loc = [f"store {named or loc[1]}", *loc[2:]]  # the store by its id, not its place in the list
        where = ".".join(str(p) for p in loc)
        raise UserInputError(f"store set {path}: {where}: {first['msg']}") from None
