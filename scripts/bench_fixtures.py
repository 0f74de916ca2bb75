"""Benchmark on the real fixtures (not a test): each reader's throughput, ingest time, search page time.

Usage: make bench-fixtures   (or: python scripts/bench_fixtures.py [--rounds N])

Readers: every reader of decisions.minutes.formats.READERS reads its real sample `rounds` times,
with no database; the figure is the median round (reader_throughput(), also run by the tests).
Ingest (the four minutes, then each export as its municipality) is timed into a fresh, empty
database, bench_fixtures, created for the run and dropped after; the files it stores go to a
temporary MEDIA_ROOT. The search page is timed as full Django requests (routing, query,
rendering) in-process. The default number of rounds keeps a run to some 20 s on 2 vCPUs.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
os.environ.setdefault("ARCHIVE_ALLOW_EPHEMERAL_KEY", "1")
os.environ.setdefault("ARCHIVE_PLAIN_STATIC", "1")
# A page is timed (or counted) as made, not as kept: repeating a URL would time the page cache.
os.environ.setdefault("ARCHIVE_PAGE_CACHE", "0")

FIXTURES = sorted((ROOT / "fixtures" / "minutes").glob("*.txt"))
FORMATS = ROOT / "fixtures" / "formats"
# The real sample each reader reads (decisions.minutes.formats.READERS), and for the structured
# exports the municipality they are ingested as. Odense's sample is the FIXTURES, read in memory.
SAMPLES: dict[str, Path] = {
    "acadre": FORMATS / "acadre" / "syddjurs_puk_2013-06-20",
    "edoc": FORMATS / "edoc" / "ballerup_sfu_2012-12-04",
    "publication": FORMATS / "publication" / "Publication32.zip",
    "firstagenda": FORMATS / "firstagenda" / "dagsorden_oekonomiudvalget_2026-05-18.json",
}
MUNICIPALITIES = {
    "acadre": "Syddjurs Kommune",
    "edoc": "Ballerup Kommune",
    "publication": "Ballerup Kommune",
    "firstagenda": "Hvidovre Kommune",
}
AIM_MB_PER_S = 10.0  # the aim: every reader reads at least this fast
DEFAULT_ROUNDS = 100
BENCH_DB = "bench_fixtures"  # created empty for the ingest and search parts, dropped after
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


# --- each reader's throughput (no database) ------------------------------------------------


@dataclass(frozen=True)
class ReaderRow:
    """One reader on its sample: what one round parses and reads, and how long rounds took.

    parsed_bytes: the documents the reader parses: the text of the minutes (odense), the XML
    (Acadre: the manifest and the minutes XML; eDoc: eDocAgendaPublishing.xml; Publication: the
    XML inside the zip, unpacked). read_bytes: everything the reader reads in a round, the
    parsed documents and the attachment files it takes along (their bytes, not their text).
    """

    reader: str
    sample: str
    parsed_bytes: int
    read_bytes: int
    attachment_files: int
    meetings: int
    rounds: int
    median_s: float
    first_s: float

    @property
    def mb_per_s(self) -> float:
        """The aim's figure: MB of the parsed documents a second (median round)."""
        return self.parsed_bytes / self.median_s / 1e6

    @property
    def read_mb_per_s(self) -> float:
        return self.read_bytes / self.median_s / 1e6


def _acadre_manifests(folder: Path) -> list[Path]:
    """The manifests (XML_*.xml) the Acadre reader parses before the minutes XML they name."""
    from decisions.minutes import acadre

    return [p for p in sorted(folder.iterdir()) if p.is_file() and p.suffix.lower() == ".xml" and acadre.detect(p)]


def _time_rounds(rounds: int, read_round) -> tuple[list[float], list]:
    timings, result = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        result = read_round()
        timings.append(time.perf_counter() - start)
    return timings, result


def bench_reader(reader: ModuleType, rounds: int) -> ReaderRow:
    """Read the reader's real sample `rounds` times; the bytes of one round and its timings."""
    from decisions.minutes import odense

    if reader is odense:
        # Bytes in memory, as an upload arrives: the reader's decoding and parsing, no file read.
        files = [(path.name, path.read_bytes()) for path in FIXTURES]
        timings, readings = _time_rounds(rounds, lambda: [odense.read_bytes(data, name=n) for n, data in files])
        parsed = read = sum(len(data) for _, data in files)
        sample = f"fixtures/minutes/*.txt ({len(files)} files, in memory)"
    else:
        if reader.FORMAT not in SAMPLES:
            raise LookupError(f"no sample for the reader {reader.FORMAT!r}: add one to SAMPLES in {__file__}")
        path = SAMPLES[reader.FORMAT]
        timings, readings = _time_rounds(rounds, lambda: reader.read(path))
        # Each XML once, however many meetings it holds (a Publication XML may hold several).
        parsed = sum(len(data) for data in {id(r.original): r.original for r in readings}.values())
        if reader.FORMAT == "acadre":
            parsed += sum(p.stat().st_size for p in _acadre_manifests(path))
        read = parsed
        sample = path.name
    files = [f for r in readings for item in r.meeting.items for f in item.files]
    read += sum(len(f.data) for f in files)
    return ReaderRow(
        reader=reader.FORMAT,
        sample=sample,
        parsed_bytes=parsed,
        read_bytes=read,
        attachment_files=len(files),
        meetings=len(readings),
        rounds=rounds,
        median_s=statistics.median(timings),
        first_s=timings[0],
    )


def reader_throughput(rounds: int = DEFAULT_ROUNDS) -> list[ReaderRow]:
    """One row per reader of decisions.minutes.formats.READERS, in that order."""
    from decisions.minutes.formats import READERS

    return [bench_reader(reader, rounds) for reader in READERS]


def reader_table(rows: list[ReaderRow]) -> str:
    header = (
        "reader",
        "sample",
        "parsed MB",
        "read MB",
        "files",
        "1st ms",
        "median ms",
        "parsed MB/s",
        "read MB/s",
        "",
    )
    lines = [header]
    for row in rows:
        aim = "ok" if row.mb_per_s >= AIM_MB_PER_S else f"below {AIM_MB_PER_S:.0f}"
        lines.append(
            (
                row.reader,
                row.sample,
                f"{row.parsed_bytes / 1e6:.3f}",
                f"{row.read_bytes / 1e6:.3f}",
                str(row.attachment_files),
                f"{row.first_s * 1000:.1f}",
                f"{row.median_s * 1000:.1f}",
                f"{row.mb_per_s:.1f}",
                f"{row.read_mb_per_s:.1f}",
                aim,
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    left = {0, 1, len(header) - 1}
    return "\n".join(
        "  ".join(
            cell.ljust(w) if i in left else cell.rjust(w) for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        ).rstrip()
        for line in lines
    )


READER_NOTES = f"""\
  parsed MB: the documents the reader parses, once a round: the minutes' text (odense); the manifest
    and the minutes XML (acadre); eDocAgendaPublishing.xml (edoc); the XML in the zip, unpacked
    (publication). parsed MB/s = parsed MB / median round: the figure of the aim (>= {AIM_MB_PER_S:.0f} MB/s).
  read MB: parsed MB plus the attachment files the reader reads along ("files" of them; their bytes are
    read, their text is not extracted here). publication reads both from the zip (unpacking them); the
    others read them from disk. Not counted: the first KB of candidate files that read() sniffs.
  A round is one read() of the whole sample (odense: read_bytes() of each text, already in memory).
  The files are read from disk every round, but after round 1 the OS page cache holds them: the
    median is a warm-cache figure (no disk I/O); "1st ms" is round 1, cold only if the cache was."""


# --- ingest of the structured exports -------------------------------------------------------


def ingest_export(reader: ModuleType, path: Path, municipality: str) -> tuple[int, int, float, float]:
    """Read and ingest one export: (meetings, attachment files, read seconds, write seconds)."""
    from decisions.services import ingest_reading, read_source

    gc.collect()  # else a full collection of earlier work's garbage may land in this one's time
    start = time.perf_counter()
    readings = read_source(reader, path)
    read_s = time.perf_counter() - start
    start = time.perf_counter()
    for reading in readings:
        ingest_reading(reading, municipality=municipality)
    write_s = time.perf_counter() - start
    files = sum(len(item.files) for r in readings for item in r.meeting.items)
    return len(readings), files, read_s, write_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--rounds", type=int, default=DEFAULT_ROUNDS, help=f"Repetitions per measurement (default {DEFAULT_ROUNDS})."
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import override_settings, setup_test_environment

    from decisions.minutes.formats import READERS
    from decisions.services import ingest_file

    print(f"Machine: {machine()}")
    mb_per_s, median = bench_parse(args.rounds)
    print(f"Parse: {mb_per_s:.1f} MB/s (median {median * 1000:.1f} ms for all four fixtures, {args.rounds} rounds)")

    rows = reader_throughput(args.rounds)
    print(f"Readers on their real samples (no database; median of {args.rounds} rounds, MB = 10^6 bytes):")
    print("\n".join(f"  {line}" for line in reader_table(rows).splitlines()))
    print(READER_NOTES)

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    # A database of its own: the default test_<NAME> is the test suite's, which autoclobber would drop.
    connection.settings_dict.setdefault("TEST", {})["NAME"] = BENCH_DB
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-fixtures-media-") as media, override_settings(MEDIA_ROOT=media):
            gc.collect()
            start = time.perf_counter()
            for path in FIXTURES:
                ingest_file(path)
            ingest_s = time.perf_counter() - start
            print(f"Ingest into an empty database: {ingest_s * 1000:.0f} ms for {len(FIXTURES)} files")
            for reader in READERS:
                if reader.FORMAT not in SAMPLES:
                    continue
                path, municipality = SAMPLES[reader.FORMAT], MUNICIPALITIES[reader.FORMAT]
                meetings, files, read_s, write_s = ingest_export(reader, path, municipality)
                print(
                    f"Ingest {reader.FORMAT} ({path.name}, {meetings} meeting{'s' * (meetings != 1)}, "
                    f"{files} attachment file{'s' * (files != 1)}, as {municipality}): "
                    f"{(read_s + write_s) * 1000:.0f} ms (read {read_s * 1000:.0f} ms, write {write_s * 1000:.0f} ms)"
                )

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
