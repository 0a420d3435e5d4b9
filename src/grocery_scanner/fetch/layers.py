"""The layers the fetch chain can be built from, by the names the `fetch_layers` setting uses.

Each is one module: metrics (fetch/metrics.py), status mapping (fetch/status.py), and the
reliability layers (reliability/): pacing, circuit breaker, retries, the overall request pool. The
cache layer (cache/layer.py) and the pool are built by the services, which hold their settings.
"""

from __future__ import annotations

from grocery_scanner.fetch.chain import LayerFactory
from grocery_scanner.fetch.metrics import MetricsLayer
from grocery_scanner.fetch.status import StatusLayer
from grocery_scanner.reliability.breaker import BreakerLayer
from grocery_scanner.reliability.pacing import PacingLayer
from grocery_scanner.reliability.pool import PoolLayer
from grocery_scanner.reliability.retry import RetryLayer

FACTORIES: dict[str, LayerFactory] = {
    "retry": RetryLayer,
    "breaker": BreakerLayer,
    "metrics": MetricsLayer,
    "status": StatusLayer,
    "pacing": PacingLayer,
    "pool": PoolLayer,
}
