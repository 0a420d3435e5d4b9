"""SLA trends: a least-squares line with its standard error, and a projected breach only when it is due."""

from __future__ import annotations

from datetime import timedelta

import pytest

from grocery_scanner.models import utcnow
from grocery_scanner.monitoring.sla import MIN_POINTS, SlaFigure, _trend


def test_a_worsening_trend_projects_its_breach_with_a_range() -> None:
    now = utcnow()
    points = [(-h, 20.0 + 2.0 * (10 - h)) for h in range(10, 0, -1)]  # p95 plan time up 2 s an hour: 40 s now
    trend = _trend(points, target=60.0, higher=False, now=now)
    assert trend is not None and trend.slope_per_h == pytest.approx(2.0)
    assert trend.breach_at is not None and trend.breach_range is not None
    assert abs((trend.breach_at - now) - timedelta(hours=10)) < timedelta(minutes=1)  # (60 - 40) / 2 hours
    low, high = trend.breach_range
    assert low <= trend.breach_at <= high


def test_no_projection_from_too_few_points_an_improving_line_or_noise() -> None:
    now = utcnow()
    assert _trend([(-h, 20.0 + h) for h in range(MIN_POINTS - 1)], 60.0, False, now) is None
    improving = _trend([(-h, 20.0 + h) for h in range(8)], 60.0, False, now)  # falling towards now
    assert improving is not None and improving.breach_at is None
    noisy = _trend([(-h, 30.0 + (8 if h % 2 else -8) + 0.1 * h) for h in range(8)], 60.0, False, now)
    assert noisy is not None and noisy.breach_at is None  # a slope within its error is no trend


def test_compliance_follows_the_direction_of_the_target() -> None:
    assert SlaFigure("success_rate", 0.95, True, 0.97, 40, None).compliant is True
    assert SlaFigure("plan_p95_s", 60, False, 75.0, 40, None).compliant is False
    assert SlaFigure("plan_p95_s", 60, False, None, 0, None).compliant is None
