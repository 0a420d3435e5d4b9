"""A store's robots.txt: its Crawl-delay and Request-rate for our user agent slow the store's pacing
down, never speed it up. Read once per store by the pacing layer, as a request to the store like any
other; a robots.txt that is missing, unreadable or unreachable sets no limit. Only the pacing rules
are read: which paths a store's search API may be asked is the store profile's business.
"""

from __future__ import annotations

from urllib.robotparser import RobotFileParser

from grocery_scanner.fetch.transport import USER_AGENT
from grocery_scanner.stores.base import SearchRequest

AGENT = USER_AGENT.split("/")[0]


def robots_request(base_url: str) -> SearchRequest:
    return SearchRequest("GET", f"{base_url.rstrip('/')}/robots.txt")


def robots_interval(text: str) -> float | None:
    """Seconds between requests the robots.txt asks of us, if it asks anything."""
    parser = RobotFileParser()
    parser.parse(text.splitlines())
    intervals = []
    if (delay := parser.crawl_delay(AGENT)) is not None:
        intervals.append(float(delay))
    if (rate := parser.request_rate(AGENT)) is not None and rate.requests > 0:
        intervals.append(rate.seconds / rate.requests)
    return max(intervals) if intervals else None
