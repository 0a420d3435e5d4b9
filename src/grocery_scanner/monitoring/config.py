"""Monitoring's part of the settings: where alerts go besides the log, and the SLA targets."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

SeverityName = Literal["INFO", "WARNING", "CRITICAL"]


class WebhookRoute(BaseModel):
    """A webhook: Slack-compatible JSON ({"text": ...}) or a PagerDuty Events v2 event."""

    model_config = ConfigDict(extra="forbid")

    url: SecretStr  # webhook URLs carry their secret: never printed
    format: Literal["slack", "pagerduty"] = "slack"
    min_severity: SeverityName = "WARNING"
    routing_key: SecretStr | None = None  # PagerDuty's integration key
    timeout_s: float = Field(default=2.0, gt=0, le=30)


class SlaTargets(BaseModel):
    """The targets, from the settings (`sla`)."""

    model_config = ConfigDict(extra="forbid")

    window_h: float = Field(default=24.0, gt=0, le=24 * 90)
    plan_p95_s: float = Field(default=60.0, gt=0)  # a single plan run, 95th percentile
    batch_p95_s: float = Field(default=180.0, gt=0)  # a plan run of ten recipes or more, 95th percentile
    recovery_p95_s: float = Field(default=30.0, gt=0)  # a resumed run, from its start until its searches go on
    success_rate: float = Field(default=0.95, gt=0, le=1)  # plan runs that succeed
    peak_memory_mb: float = Field(default=1024.0, gt=0)  # a plan process at its peak
    # search pages the cache answered: None leaves it untracked (a household's plans rarely repeat; a
    # service answering many users should set it)
    cache_hit_rate: float | None = Field(default=None, ge=0, le=1)
    quality_score: float = Field(default=90.0, ge=0, le=100)  # the price quality of a plan's batch
