"""Benchmark on the four real fixtures (not a test): parse throughput, ingest time, search page time.

Usage: make bench-fixtures   (or: python scripts/bench_fixtures.py [--rounds N])

Ingest is timed into a fresh, empty database created for the run and dropped after; the
search page is timed as full Django requests (routing, query, rendering) in-process.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
os.environ.setdefault("ARCHIVE_ALLOW_EPHEMERAL_KEY", "1")
os.environ.setdefault("ARCHIVE_PLAIN_STATIC", "1")

FIXTURES = sorted((ROOT / "fixtures" / "minutes").glob("*.txt"))
SEARCHES = [
    "ledighed",
    "investeringsprojekterne",
    '"socialt bedrageri"',
    "bander -vollsmose",
    "magtanvendelse or sanktioner",
    "193-17",
    "",
    "beskæftigelse",
    "ungeanalysen",
    "zzqqxx",
]


def machine() -> str:
    return f"{platform.node()} · {platform.machine()} · {os.cpu_count()} CPUs · Python {platform.python_version()}"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def bench_parse(rounds: int) -> tuple[float, float]:
    from decisions.minutes import parse_minutes

    texts = [path.read_text(encoding="utf-8") for path in FIXTURES]
    size = sum(len(t.encode()) for t in texts)
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        for text in texts:
            parse_minutes(text)
        timings.append(time.perf_counter() - start)
    median = statistics.median(timings)
    return size / median / 1e6, median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=30, help="Repetitions per measurement (default 30).")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    from decisions.services import ingest_file

    print(f"Machine: {machine()}")
    mb_per_s, median = bench_parse(args.rounds)
    print(f"Parse: {mb_per_s:.1f} MB/s (median {median * 1000:.1f} ms for all four fixtures, {args.rounds} rounds)")

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        start = time.perf_counter()
        for path in FIXTURES:
            ingest_file(path)
        ingest_s = time.perf_counter() - start
        print(f"Ingest into an empty database: {ingest_s * 1000:.0f} ms for {len(FIXTURES)} files")

        from django.test import Client

        client = Client()
        for q in SEARCHES:  # warm-up
            client.get("/search/", {"q": q})
        timings = []
        for _ in range(args.rounds):
            for q in SEARCHES:
                start = time.perf_counter()
                response = client.get("/search/", {"q": q})
                timings.append((time.perf_counter() - start) * 1000)
                assert response.status_code in (200, 302), response.status_code
        print(
            f"Search page (full request, {len(timings)} requests, {len(SEARCHES)} queries): "
            f"p50 {percentile(timings, 50):.1f} ms, p95 {percentile(timings, 95):.1f} ms, "
            f"p99 {percentile(timings, 99):.1f} ms"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        print(f"(dropped {test_name})")


if __name__ == "__main__":
    main()
