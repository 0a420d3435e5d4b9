"""Store profiles: which connector reads a store, where it lives, and how hard we may call it."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from grocery_scanner.errors import UserInputError
from grocery_scanner.settings import config_dir

SIMULATOR_URL = "simulator"
_ENV_REF = re.compile(r"\$\{([A-Z0-9_]+)\}")


class RequestLimits(BaseModel):
    """How hard we may call one store: its request rate, parallel requests and timeout."""

    model_config = ConfigDict(extra="forbid")

    rate_per_s: float = Field(default=5.0, gt=0)
    concurrency: int = Field(default=4, ge=1)
    timeout_s: float | None = Field(default=None, gt=0)  # None: the http_timeout_s setting


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
    simulator: dict[str, Any] | None = None

    def resolved_headers(self) -> dict[str, str]:
        """Headers with ${ENV_VAR} references filled in (API keys stay out of the YAML)."""
        return {k: _ENV_REF.sub(lambda m: os.environ.get(m.group(1), ""), v) for k, v in self.headers.items()}


class StoreSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    stores: list[StoreProfile] = Field(min_length=1)

    @field_validator("stores")
    @classmethod
    def _unique_ids(cls, stores: list[StoreProfile]) -> list[StoreProfile]:
        ids = [s.id for s in stores]
        if duplicates := sorted({i for i in ids if ids.count(i) > 1}):
            raise ValueError(f"store id {', '.join(duplicates)} is used more than once")
        return stores

    def select(self, ids: list[str] | None) -> list[StoreProfile]:
        if not ids:
            return list(self.stores)
        known = {s.id: s for s in self.stores}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise UserInputError(
                f"unknown store id {', '.join(unknown)}; valid ids in set '{self.name}': {', '.join(known)}"
            )
        return [known[i] for i in ids]


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
        where = ".".join(str(p) for p in first["loc"])
        raise UserInputError(f"store set {path}: {where}: {first['msg']}") from exc
