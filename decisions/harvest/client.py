"""A polite HTTP client for harvesting someone else's server (httpx).

One request at a time per host, a delay between requests to a host, timeouts, a User-Agent that
names the archive and a contact address (settings.ARCHIVE_HARVEST_CONTACT), retries with
exponential backoff on 429, 5xx, timeouts and dropped connections (honouring Retry-After, in
seconds or as an HTTP date, capped), no retry on any other 4xx, the anonymous-cookie redirect
(a 302 to "/" until the client holds the cookie that "/" sets), and a size limit on answers,
read as a stream and abandoned beyond the limit.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import threading
import time
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from django.conf import settings

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MAX_REDIRECTS = 5


class HarvestError(Exception):
    """A request that did not give the answer expected, after any retries: the URL and why."""

    def __init__(self, url: str, reason: str, *, status: int | None = None) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


def user_agent() -> str:
    """ "Beslutningsarkivet/<version> (+<contact>)": whom a site's operators can reach."""
    try:
        version = package_version("decisions-archive")
    except PackageNotFoundError:  # pragma: no cover - a checkout that was never installed
        version = "0"
    contact = getattr(settings, "ARCHIVE_HARVEST_CONTACT", "") or "no contact configured"
    return f"Beslutningsarkivet/{version} (+{contact})"


def retry_after_seconds(value: str | None, *, now: dt.datetime | None = None) -> float | None:
    """Retry-After as seconds to wait: a number of seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


# Per host: one lock (one request at a time, across clients and threads) and the end of the last request.
_HOST_LOCKS: dict[str, threading.Lock] = {}
_HOST_LAST: dict[str, float] = {}
_REGISTRY_LOCK = threading.Lock()


def _host_lock(host: str) -> threading.Lock:
    with _REGISTRY_LOCK:
        return _HOST_LOCKS.setdefault(host, threading.Lock())


class PoliteClient:
    """GET bytes or JSON from a site without straining it. Use as a context manager."""

    def __init__(
        self,
        *,
        delay: float = 1.0,
        timeout: float | None = None,
        retries: int = 3,
        backoff: float = 1.0,
        max_wait: float = 120.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if timeout is None:
            timeout = getattr(settings, "ARCHIVE_HARVEST_TIMEOUT", 30.0)
        self.delay = max(0.0, delay)
        self.retries = max(0, retries)
        self.backoff = max(0.0, backoff)
        self.max_wait = max_wait
        self.max_bytes = max_bytes
        self.sleep = sleep
        self.requests = 0  # requests sent, retries and cookie fetches included
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            headers={"User-Agent": user_agent(), "Accept": "application/json, */*;q=0.5"},
            follow_redirects=False,  # redirects are handled here: the cookie redirect, and a limit
            transport=transport,
        )

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    # -- public ---------------------------------------------------------------------------

    def get_bytes(self, url: str, *, max_bytes: int | None = None) -> bytes:
        """The body of a 200 answer to GET url; HarvestError otherwise (after any retries)."""
        limit = self.max_bytes if max_bytes is None else max_bytes
        fetched_cookie = False
        hops = 0
        attempt = 0
        while True:
            try:
                status, headers, body = self._send(url, limit)
            except httpx.TimeoutException:
                if attempt >= self.retries:
                    raise HarvestError(url, f"no answer within the timeout ({attempt + 1} attempts)") from None
                self._wait(url, attempt, None)
                attempt += 1
                continue
            except httpx.TransportError as exc:
                if attempt >= self.retries:
                    raise HarvestError(url, f"connection failed ({exc.__class__.__name__}: {exc})") from None
                self._wait(url, attempt, None)
                attempt += 1
                continue
            if status == 200:
                return body
            if status in REDIRECT_STATUSES:
                location = urljoin(url, headers.get("location", ""))
                if urlsplit(location).path in ("", "/") and urlsplit(url).path not in ("", "/"):
                    # The site sets an anonymous cookie on "/" and sends everyone without it there.
                    if fetched_cookie:
                        raise HarvestError(url, "the site redirects to / even with its cookie", status=status)
                    fetched_cookie = True
                    self._fetch_cookie(location)
                    continue
                hops += 1
                if hops > MAX_REDIRECTS:
                    raise HarvestError(url, f"more than {MAX_REDIRECTS} redirects", status=status)
                url = location
                continue
            if status in RETRY_STATUSES:
                if attempt >= self.retries:
                    raise HarvestError(url, f"HTTP {status} ({attempt + 1} attempts)", status=status)
                self._wait(url, attempt, retry_after_seconds(headers.get("retry-after")))
                attempt += 1
                continue
            raise HarvestError(url, f"HTTP {status}", status=status)

    def get_json(self, url: str, *, max_bytes: int | None = None) -> Any:
        """The JSON of a 200 answer to GET url; HarvestError if it is not JSON."""
        body = self.get_bytes(url, max_bytes=max_bytes)
        try:
            return json.loads(body.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise HarvestError(url, f"the answer is not JSON ({exc})") from None

    # -- internals ------------------------------------------------------------------------

    def _wait(self, url: str, attempt: int, retry_after: float | None) -> None:
        """Back off before retry `attempt` + 1: the server's Retry-After, else exponential; capped."""
        seconds = retry_after if retry_after is not None else self.backoff * (2**attempt)
        self.sleep(min(seconds, self.max_wait))

    def _fetch_cookie(self, url: str) -> None:
        """GET the page that sets the site's anonymous cookie (httpx keeps it in the client)."""
        try:
            self._send(url, self.max_bytes)
        except httpx.HTTPError as exc:
            raise HarvestError(url, f"could not fetch the site's cookie ({exc.__class__.__name__})") from None

    def _send(self, url: str, limit: int) -> tuple[int, httpx.Headers, bytes]:
        """One GET, alone on its host and at least `delay` after the previous one ended."""
        host = urlsplit(url).netloc.lower()
        with _host_lock(host):
            last = _HOST_LAST.get(host)
            if last is not None and self.delay:
                pause = last + self.delay - time.monotonic()
                if pause > 0:
                    self.sleep(pause)
            self.requests += 1
            try:
                with self._client.stream("GET", url) as response:
                    if response.status_code != 200:
                        response.close()
                        return response.status_code, response.headers, b""
                    length = response.headers.get("content-length", "")
                    if length.isdigit() and int(length) > limit:
                        raise HarvestError(url, f"the answer is {int(length)} bytes, over the limit of {limit}")
                    chunks: list[bytes] = []
                    size = 0
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if size > limit:
                            raise HarvestError(url, f"the answer is over the limit of {limit} bytes")
                        chunks.append(chunk)
                    return response.status_code, response.headers, b"".join(chunks)
            finally:
                _HOST_LAST[host] = time.monotonic()
