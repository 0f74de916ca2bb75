"""HTTP load test: the production server (gunicorn) on 127.0.0.1 under concurrent clients.

Only loopback traffic; bounded in time; stops by itself. Used by scripts/bench.py, or alone:
    python scripts/loadtest.py --seconds 60 --clients 16 URL-PATH [URL-PATH ...]
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
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


def run_load_test(*, database_url: str | None, seconds: int, clients: int, urls: list[str]) -> dict:
    """Start gunicorn, hit it with `clients` threads for `seconds`, stop it; return the figures."""
    port = _free_port()
    env = {**os.environ, "ARCHIVE_PLAIN_STATIC": "1", "ARCHIVE_ALLOW_EPHEMERAL_KEY": "1"}
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
            while time.monotonic() < stop_at:
                url = rng.choice(urls)
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
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
    ordered = sorted(latencies) or [0.0]
    return {
        "clients": clients,
        "seconds": seconds,
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
