"""Typed settings from GROCERY_* environment variables and an optional YAML file.

Precedence: environment, then the YAML file (GROCERY_CONFIG_FILE, default ./grocery-scanner.yaml),
then the defaults, which are safe: embedded demo stores, a SQLite file under the user's data dir.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import yaml
from pydantic import BaseModel, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from grocery_scanner.monitoring.config import SlaTargets, WebhookRoute
from grocery_scanner.reliability.policies import PoolPolicy

if TYPE_CHECKING:
    from grocery_scanner.ingest.urls import UrlPolicy

PACKAGE_DIR = Path(__file__).resolve().parent


def config_dir() -> Path:
    """Bundled configuration: inside the wheel, or the repository's config/ in a source checkout."""
    bundled = PACKAGE_DIR / "config"
    return bundled if bundled.is_dir() else PACKAGE_DIR.parents[1] / "config"


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "grocery-scanner"


Environment = Literal["development", "staging", "production"]
CacheTierName = Literal["memory", "disk", "redis"]
CACHE_TIERS: tuple[CacheTierName, ...] = ("memory", "disk")


class FeatureFlags(BaseModel):
    """Parts of the service that can be switched without a release (GROCERY_FEATURES__<NAME>=true)."""

    ab_comparison: bool = False  # a share of plans also optimised with a second strategy (see ab_share)
    scheduled_warming: bool = True  # the service warms the cache from the most searched queries
    recipe_urls: bool = True  # plans may name recipe URLs for the service to fetch


class ServiceSettings(BaseModel):
    """The web service's own settings (GROCERY_SERVICE__<NAME>)."""

    api_key: SecretStr | None = None  # admin endpoints need it; without one they are closed
    protect_writes: bool = False  # plan submission and cancel need the key too
    rate_limit: str = "120/minute"  # per client, every API request (the `limits` notation)
    submit_rate_limit: str = "20/minute"  # per client, plan submissions on top of it
    cors_origins: list[str] = Field(default_factory=list)  # none: CORS off
    max_body_bytes: int = Field(default=1_000_000, ge=1_000)
    max_texts: int = Field(default=20, ge=1)  # pasted recipes in one plan
    max_urls: int = Field(default=10, ge=0)
    ab_share: float = Field(default=0.1, ge=0, le=1)  # with features.ab_comparison
    ab_strategy: Literal["cheapest", "balanced", "fewest-stores", "quality"] = "cheapest"
    warm_interval_s: float = Field(default=3600.0, gt=0)
    warm_top: int = Field(default=100, ge=1, le=10000)
    finished_jobs_kept: int = Field(default=200, ge=1)  # plans whose progress stays in memory
    max_concurrent_plans: int = Field(default=4, ge=1, le=256)  # the rest wait their turn, queued


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GROCERY_", env_nested_delimiter="__", extra="ignore")

    environment: Environment = "development"  # also picks grocery-scanner.<environment>.yaml over the base file
    store_set: str = "demo"
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: SecretStr | None = None
    simulator_seed: int = 42
    simulator_port: int = Field(default=0, ge=0, le=65535)  # 0: any free loopback port
    http_timeout_s: float = Field(default=10.0, gt=0)  # for stores whose profile sets no timeout_s
    # the layers every store request passes through, outermost first (see fetch/chain.py)
    fetch_layers: list[str] = Field(
        default_factory=lambda: ["cache", "retry", "breaker", "metrics", "status", "pacing", "pool"]
    )
    request_pool: PoolPolicy = Field(default_factory=PoolPolicy)  # the `pool` layer: over all stores
    # the `cache` layer's tiers, tried in this order; the memory tier's bound in MB of answers
    cache_tiers: list[CacheTierName] = Field(default_factory=lambda: list(CACHE_TIERS))
    cache_memory_mb: float = Field(default=64.0, gt=0, le=65536)
    redis_url: SecretStr | None = None  # e.g. redis://host:6379/0, for the cache's shared tier
    shared_state_url: SecretStr | None = None  # Redis sharing breakers and store rates across processes; None: local
    # the semantic tier: a query meaning the same as a cached one is asked in its words (Qdrant: local
    # in data_dir/qdrant, or a server at qdrant_url). Off by default: its libraries take ~2 s to import
    semantic_cache: bool = False
    qdrant_url: str | None = None
    max_pages: int = Field(default=2, ge=1, le=20)
    run_timeout_s: float = Field(default=300.0, gt=0)  # a whole plan run stops after this long
    # one search of a plan gives up after this long (its store's last known prices may stand in);
    # None: a search waits as long as its store's retries and pacing take
    search_deadline_s: float | None = Field(default=None, gt=0)
    heartbeat_s: float = Field(default=5.0, gt=0)  # a running plan marks itself alive this often
    # a running run silent this long is abandoned (resumable), and its searches' leases run out
    run_stale_s: float = Field(default=30.0, gt=0)
    currency: str = Field(default="CAD", pattern=r"^[A-Z]{3}$")  # plans compare prices in it; others are quarantined
    # the quality gate's staleness watch: a store whose prices have not changed (or whose own
    # Last-Modified has not moved) for this many days is flagged
    stale_after_days: int = Field(default=7, ge=1)
    log_format: Literal["console", "json"] = "console"  # json: one object per line, for a service's logs
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"
    alert_webhooks: list[WebhookRoute] = Field(default_factory=list)  # besides the log, where alerts go
    sla: SlaTargets = Field(default_factory=SlaTargets)
    dlq_alert_threshold: int = Field(default=25, ge=1)  # plans warn (and log) when this many searches wait
    allow_private_urls: bool = False  # recipe URLs on loopback or private networks (local use, tests)
    url_deadline_s: float = Field(default=30.0, gt=0)  # a whole recipe-page fetch stops after this long
    features: FeatureFlags = Field(default_factory=FeatureFlags)
    # the plan queue (Redis, e.g. redis://host:6379/1): set, the service enqueues plans and
    # `grocery-scanner worker` processes run them; unset, the service runs them itself
    queue_url: SecretStr | None = None
    worker_concurrency: int = Field(default=4, ge=1, le=256)  # plans one worker runs at once
    service: ServiceSettings = Field(default_factory=ServiceSettings)

    @model_validator(mode="after")
    def _heartbeat_within_lease(self) -> Settings:
        if self.heartbeat_s >= self.run_stale_s:
            raise ValueError(
                f"heartbeat_s ({self.heartbeat_s:g}) must be shorter than run_stale_s ({self.run_stale_s:g}): "
                "a live run would look dead between its beats"
            )
        return self

    def url_policy(self) -> UrlPolicy:
        from grocery_scanner.ingest.urls import UrlPolicy  # late: settings load before anything else

        return UrlPolicy(
            allow_private=self.allow_private_urls, read_timeout_s=self.http_timeout_s, deadline_s=self.url_deadline_s
        )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        yaml_file = Path(os.environ.get("GROCERY_CONFIG_FILE", "grocery-scanner.yaml"))
        # the environment's own file (grocery-scanner.production.yaml) over the base one
        environment = os.environ.get("GROCERY_ENVIRONMENT", "development")
        own = yaml_file.with_name(f"{yaml_file.stem}.{environment}{yaml_file.suffix}")
        return (
            init_settings,
            env_settings,
            YamlConfigSettingsSource(settings_cls, yaml_file=own),
            YamlConfigSettingsSource(settings_cls, yaml_file=yaml_file),
        )


def load_settings() -> Settings:
    """The settings, or one line naming the setting (or the file) that is wrong; never a traceback."""
    from grocery_scanner.errors import UserInputError

    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        path = [str(part) for part in first["loc"]] or ["settings"]
        name = ".".join(path)
        raise UserInputError(f"GROCERY_{'__'.join(path).upper()} ({name}): {first['msg']}") from None
    except yaml.YAMLError as exc:
        where = os.environ.get("GROCERY_CONFIG_FILE", "grocery-scanner.yaml")
        raise UserInputError(f"{where}: not readable YAML ({' '.join(str(exc).split())})") from None
