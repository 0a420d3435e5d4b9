"""Fetching a recipe page by URL without becoming a way into the network it runs on.

Only http and https are fetched. Every host, the first and each redirect's, is resolved once and
refused when any of its addresses is loopback, private, link-local (cloud metadata), multicast or
reserved; the request then goes to the checked address itself (with the original Host header and
TLS server name), so a second DNS answer cannot point it elsewhere. A deadline bounds the whole
fetch, so a server that drips one byte at a time cannot hold a run.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from grocery_scanner.errors import UserInputError
from grocery_scanner.ingest.bounds import MAX_INPUT_BYTES

MAX_REDIRECTS = 5


@dataclass(frozen=True)
class UrlPolicy:
    allow_private: bool = False  # for local use and tests: fetch from loopback and private networks
    trusted_hosts: frozenset[str] = frozenset()  # hosts exempt from the check (a local test server)
    read_timeout_s: float = 15.0
    deadline_s: float = 30.0  # the whole fetch, redirects and body included


async def _checked_address(url: str, policy: UrlPolicy) -> tuple[str, int, str]:
    """(host, port, the address to connect to) once the host is known to be a public one."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise UserInputError(f"{url}: not a valid address ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserInputError(f"{url}: only http and https addresses are fetched")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UserInputError(f"{url}: not a valid address (bad port)") from None
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except OSError:
        raise UserInputError(f"{url}: cannot resolve host {parts.hostname}") from None
    addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    if not policy.allow_private and parts.hostname not in policy.trusted_hosts:
        for address in addresses:
            if not address.is_global or address.is_multicast:
                raise UserInputError(
                    f"{url}: {parts.hostname} is a private or local address ({address}); not fetched"
                    " (set GROCERY_ALLOW_PRIVATE_URLS=true for local use)"
                )
    return parts.hostname, port, str(addresses[0])


async def fetch_url(url: str, policy: UrlPolicy | None = None) -> bytes:
    """The page at `url`, following at most five redirects, each one checked."""
    policy = policy or UrlPolicy()
    try:
        async with asyncio.timeout(policy.deadline_s):
            return await _fetch(url, policy)
    except TimeoutError:
        raise UserInputError(f"{url}: no complete answer within {policy.deadline_s:g} s") from None


async def _fetch(url: str, policy: UrlPolicy) -> bytes:
    timeout = httpx.Timeout(policy.read_timeout_s)
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            host, port, address = await _checked_address(url, policy)
            parts = urlsplit(url)
            target = parts._replace(netloc=f"[{address}]:{port}" if ":" in address else f"{address}:{port}")
            headers = {"User-Agent": "grocery-scanner/0.1", "Host": parts.netloc}
            extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
            try:
                request = client.build_request("GET", target.geturl(), headers=headers, extensions=extensions)
                response = await client.send(request, stream=True)
            except httpx.HTTPError as exc:
                raise UserInputError(f"{url}: cannot fetch ({type(exc).__name__})") from None
            try:
                if response.is_redirect and (location := response.headers.get("location")):
                    url = urljoin(url, location)
                    continue
                if response.status_code >= 400:
                    raise UserInputError(f"{url}: HTTP {response.status_code}")
                chunks, size = [], 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > MAX_INPUT_BYTES:
                        raise UserInputError(f"{url}: page larger than {MAX_INPUT_BYTES // 1024 // 1024} MB")
                    chunks.append(chunk)
                return b"".join(chunks)
            except httpx.HTTPError as exc:
                raise UserInputError(f"{url}: cannot fetch ({type(exc).__name__})") from None
            finally:
                await response.aclose()
    raise UserInputError(f"{url}: more than {MAX_REDIRECTS} redirects")
