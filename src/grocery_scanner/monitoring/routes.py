"""Where alerts go besides the log: webhooks, as the settings name them."""

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
