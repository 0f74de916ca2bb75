"""HTTP load test: the production server (gunicorn) on 127.0.0.1 under concurrent clients.

Only loopback traffic; bounded in time; stops by itself. Used by scripts/bench.py, or alone:
    python scripts/loadtest.py --seconds 60 --clients 16 URL-PATH [URL-PATH ...]
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 4


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def _start_server(database_url: str | None, extra_env: dict | None = None) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    env = {**os.environ, "ARCHIVE_PLAIN_STATIC": "1", "ARCHIVE_ALLOW_EPHEMERAL_KEY": "1", **(extra_env or {})}
    if database_url:
        env["DATABASE_URL"] = database_url
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "archive.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    return server, port


def _stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()


def _get(conn: http.client.HTTPConnection, url: str) -> int:
    conn.request("GET", url, headers={"Host": "127.0.0.1"})
    response = conn.getresponse()
    response.read()
    return response.status


def _percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples) or [0.0]
    return {
        "n": len(samples),
        "p50_ms": round(ordered[len(ordered) // 2], 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
    }


def run_attack_test(
    *,
    database_url: str | None,
    seconds: int,
    ordinary: list[str],
    attack: list[str],
    attackers: int = 3,
    attack_rate: float = 1.9,
) -> dict:
    """One client's ordinary searches, one after another, for `seconds` each: alone; beside
    `attackers` clients each sending ordinary searches at `attack_rate` requests/s (what any
    such traffic costs); and beside as many sending the `attack` queries at that rate (the
    hardening review's test: three at 1.9/s pushed p95 from 37 to 1 385 ms). The page cache is
    off: an ordinary reader's search is one nobody made before, and an attacker varies theirs."""
    server, port = _start_server(database_url, {"ARCHIVE_PAGE_CACHE": "0"})
    try:
        _wait_for(port)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for url in ordinary + attack:  # warm the workers, and the ordinary searches' caches
            _get(conn, url)

        def ordinary_client(stop_at: float) -> list[float]:
            rng, latencies = random.Random(1), []
            while time.monotonic() < stop_at:
                start = time.perf_counter()
                _get(conn, rng.choice(ordinary))
                latencies.append((time.perf_counter() - start) * 1000)
            return latencies

        def beside(urls: list[str]) -> tuple[list[float], dict[str, int], float]:
            statuses: dict[str, int] = {}
            slowest = [0.0]
            lock = threading.Lock()
            stop_at = time.monotonic() + seconds

            def other(seed: int) -> None:
                rng = random.Random(seed)
                mine = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                next_at = time.monotonic()
                while time.monotonic() < stop_at:
                    start = time.perf_counter()
                    status = _get(mine, rng.choice(urls))
                    took = (time.perf_counter() - start) * 1000
                    with lock:
                        statuses[str(status)] = statuses.get(str(status), 0) + 1
                        slowest[0] = max(slowest[0], took)
                    next_at += 1 / attack_rate
                    time.sleep(max(0.0, next_at - time.monotonic()))
                mine.close()

            threads = [threading.Thread(target=other, args=(n,)) for n in range(attackers)]
            for thread in threads:
                thread.start()
            latencies = ordinary_client(stop_at)
            for thread in threads:
                thread.join()
            return latencies, dict(sorted(statuses.items())), round(slowest[0], 1)

        quiet = ordinary_client(time.monotonic() + seconds)
        busy, _statuses, _slowest = beside(ordinary)
        attacked, statuses, slowest = beside(attack)
        conn.close()
    finally:
        _stop_server(server)
    return {
        "seconds": seconds,
        "workers": WORKERS,
        "attackers": attackers,
        "attack_rate": attack_rate,
        "quiet": _percentiles(quiet),
        "beside_ordinary": _percentiles(busy),
        "under_attack": _percentiles(attacked),
        "attack_statuses": statuses,
        "attack_max_ms": slowest,
    }


# wrk (Debian's package) drives the load where it is installed: a client in C takes a few
# percent of the machine, where Python's threads took as much as the server they measured
# (676 requests/s for a cached page through them, 1 334 through wrk, on the same 2 cores).
_WRK_SCRIPT = """
local paths = {%(paths)s}
local unique = %(unique)s
local counter = 0
local threads = {}
setup = function(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end
init = function(args)
  math.randomseed(id)
end
request = function()
  local path = paths[math.random(#paths)]
  if unique then
    counter = counter + 1
    local separator = string.find(path, "?", 1, true) and "&" or "?"
    path = path .. separator .. "n=" .. id .. "-" .. counter
  end
  return wrk.format("GET", path)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), e.connect + e.read + e.write + e.timeout + e.status))
end
"""


def _wrk(port: int, *, seconds: int, clients: int, urls: list[str], unique: bool) -> dict:
    """The load through wrk: two threads, `clients` connections, the URLs chosen at random."""
    import tempfile

    paths = ", ".join(f"[==[{url}]==]" for url in urls)
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(_WRK_SCRIPT % {"paths": paths, "unique": "true" if unique else "false"})
        script.flush()
        command = ["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "--timeout", "30s", "-s", script.name]
        command.append(f"http://127.0.0.1:{port}")
        output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    requests, duration_us, p50_us, p95_us, errors = (int(value) for value in line.split()[1:])
    return {
        "client": "wrk",
        "requests": requests,
        "requests_per_s": round(requests / (duration_us / 1e6), 1),
        "p50_ms": round(p50_us / 1000, 1),
        "p95_ms": round(p95_us / 1000, 1),
        "errors": errors,
        "error_samples": [],
    }


def run_load_test(
    *,
    database_url: str | None,
    seconds: int,
    clients: int,
    urls: list[str],
    unique: bool = False,
    page_cache: bool = True,
) -> dict:
    """Start gunicorn, hit it with `clients` threads for `seconds`, stop it; return the figures.
    `unique`: every request's URL is new (a parameter no view reads, `n`, counts up), so no
    cache holds it; `page_cache`: the whole-page cache on or off (ARCHIVE_PAGE_CACHE)."""
    server, port = _start_server(database_url, {"ARCHIVE_PAGE_CACHE": "1" if page_cache else "0"})
    if shutil.which("wrk"):
        try:
            _wait_for(port)
            # Unmeasured first: each worker computes (and, with the page cache, keeps) its pages.
            _wrk(port, seconds=max(5, seconds // 3), clients=clients, urls=urls, unique=unique)
            return {
                "clients": clients,
                "seconds": seconds,
                "unique": unique,
                "page_cache": page_cache,
                "workers": WORKERS,
                **_wrk(port, seconds=seconds, clients=clients, urls=urls, unique=unique),
            }
        finally:
            _stop_server(server)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    try:
        _wait_for(port)
        for url in urls[:10]:  # warm every worker's connection and caches a little
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", url)
            conn.getresponse().read()
            conn.close()
        stop_at = time.monotonic() + seconds

        def client(seed: int) -> None:
            rng = random.Random(seed)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine, bad = [], []
            count = 0
            while time.monotonic() < stop_at:
                url = rng.choice(urls)
                if unique:
                    count += 1
                    url += f"{'&' if '?' in url else '?'}n={seed}-{count}"
                start = time.perf_counter()
                try:
                    conn.request("GET", url, headers={"Host": "127.0.0.1"})
                    response = conn.getresponse()
                    response.read()
                    if response.status >= 400:
                        bad.append(f"{response.status} {url}")
                except (OSError, http.client.HTTPException) as exc:
                    bad.append(f"{exc.__class__.__name__} {url}")
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                mine.append((time.perf_counter() - start) * 1000)
            conn.close()
            with lock:
                latencies.extend(mine)
                errors.extend(bad)

        started = time.monotonic()
        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    finally:
        _stop_server(server)
    ordered = sorted(latencies) or [0.0]
    return {
        "client": "python",
        "clients": clients,
        "seconds": seconds,
        "unique": unique,
        "page_cache": page_cache,
        "workers": WORKERS,
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(ordered[len(ordered) // 2], 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
        "errors": len(errors),
        "error_samples": errors[:5],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("urls", nargs="+", help="URL paths to request, e.g. /search/?q=ledighed")
    parser.add_argument("--seconds", type=int, default=60, help="Length of the test (default 60).")
    parser.add_argument("--clients", type=int, default=16, help="Concurrent clients (default 16).")
    args = parser.parse_args()
    print(
        run_load_test(
            database_url=os.environ.get("DATABASE_URL"), seconds=args.seconds, clients=args.clients, urls=args.urls
        )
    )


if __name__ == "__main__":
    main()
