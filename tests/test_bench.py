"""`make bench` runs end to end at a tiny size and writes every field the scale issue asks for.

Figures are not checked (they depend on the machine); their presence and shape are. The run
uses databases of its own on the same server (bench_300, bench_ingest) and drops them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parent.parent
CLASSES = {
    "common",
    "medium",
    "rare",
    "phrase",
    "compound",
    "case_exact",
    "case_prefix",
    "person",
    "person_deep",
    "zero_hit",
    "expensive",
}
UNCOMPARED = {"expensive"}  # refused or bounded shapes: no same query for a floor
NAIVE = {"common", "medium", "rare", "phrase", "compound", "zero_hit"}  # where a substring search applies
TOP_LEVEL = {"size", "machine", "classes", "ingest_items_per_s", "parse_mb_per_s", "load_s", "index_build_s"}
TOP_LEVEL |= {"db_bytes", "peak_rss_bytes", "load_items_per_s", "load_test", "attack_test"}


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bench")
    command = [sys.executable, "scripts/bench.py", "--size", "300", "--rounds", "1", "--naive-terms", "1"]
    command += ["--ingest-items", "60", "--load-seconds", "3", "--attack-seconds", "2"]
    command += ["--fresh", "--drop", "--out", str(out)]
    env = {**os.environ, "ARCHIVE_ALLOW_EPHEMERAL_KEY": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


def test_json_has_every_field(tiny_run):
    result = json.loads((tiny_run / "300.json").read_text())
    assert TOP_LEVEL <= set(result)
    assert result["size"] == "300"
    assert "CPUs" in result["machine"] and "GiB RAM" in result["machine"]
    assert set(result["classes"]) == CLASSES
    for name, entry in result["classes"].items():
        assert (entry["floor"] is None) == (name in UNCOMPARED), name
        for side in ("ours", "floor") if name not in UNCOMPARED else ("ours",):
            assert set(entry[side]) >= {"p50_ms", "p95_ms", "p99_ms"}, (name, side)
            assert 0 < entry[side]["p50_ms"] <= entry[side]["p95_ms"] <= entry[side]["p99_ms"]
        assert ("naive" in entry) == (name in NAIVE), name
        # Of each page's time, the part spent in its queries: never more than the whole.
        assert 0 < entry["ours_queries"]["p50_ms"] <= entry["ours"]["p50_ms"], name
    for key in ("ingest_items_per_s", "parse_mb_per_s", "load_s", "load_items_per_s"):
        assert result[key] > 0, key
    assert result["index_build_s"] >= 0  # 0 below DROP_INDEXES_FROM: the indexes were kept during the load
    assert result["db_bytes"] > 0 and result["peak_rss_bytes"] > 0
    for moment in ("before", "after"):
        assert set(result["calibration"][moment]) == {"python_ms", "sql_ms"}
        assert all(ms > 0 for ms in result["calibration"][moment].values())
    assert set(result["load_tests"]) == {
        "cache off, repeated",
        "cache off, unique",
        "cache on, repeated",
        "cache on, unique",
    }
    for name, load in result["load_tests"].items():
        assert (load["errors"], load["page_cache"], load["unique"]) == (0, "on" in name, "unique" in name), name
        assert load["requests_per_s"] > 0, name
    attack = result["attack_test"]
    assert (attack["attackers"], attack["attack_rate"]) == (3, 1.9)
    assert all(attack[phase]["n"] > 0 for phase in ("quiet", "beside_ordinary", "under_attack"))
    # Exclusions only and far-apart phrases are refused; the rest are answered; nothing fails.
    assert set(attack["attack_statuses"]) <= {"200", "400"} and "400" in attack["attack_statuses"]


def test_markdown_names_the_machine_and_every_class(tiny_run):
    text = (tiny_run / "300.md").read_text()
    assert text.startswith("# Benchmark, 300 items")
    assert "Machine: " in text
    assert "Machine speed now (fixed work, median ms, before / after the queries): Python " in text
    rows = {line.split("|")[1].strip() for line in text.splitlines() if line.startswith("| ")}
    assert CLASSES <= rows


# scripts/instructions.py: instructions a page costs the serving process, under valgrind.
needs_valgrind = pytest.mark.skipif(
    not shutil.which("valgrind"),
    reason="valgrind not found: install Debian's valgrind package (.ci/run does) to test the instruction counter",
)


@pytest.fixture
def committed_fixtures(transactional_db) -> str:
    """The four real minutes, committed (the counter's own process reads them); the database's URL."""
    from django.db import connection

    from decisions.services import ingest_file

    for path in sorted((ROOT / "fixtures" / "minutes").glob("*.txt")):
        ingest_file(path)
    db = connection.settings_dict
    return (
        f"postgresql://{quote(db['USER'])}:{quote(db['PASSWORD'])}@:{db['PORT']}/{db['NAME']}?host={quote(db['HOST'])}"
    )


def count_instructions(database_url: str, out: Path, rounds: int, *urls: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "scripts/instructions.py", "--database-url", database_url, "--rounds", str(rounds)]
    command += ["--json", str(out), *urls]
    env = {**os.environ, "ARCHIVE_ALLOW_EPHEMERAL_KEY": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


@needs_valgrind
def test_instruction_counts_repeat_and_bad_pages_are_refused(committed_fixtures, tmp_path):
    case = "/odense-kommune/cases/81.00.10-A00-2-18/"  # a case of the fixtures, with named votes
    runs = []
    for name in ("first", "second"):
        proc = count_instructions(committed_fixtures, tmp_path / f"{name}.json", 3, case)
        assert proc.returncode == 0, proc.stderr[-3000:]
        runs.append(json.loads((tmp_path / f"{name}.json").read_text())[case])
    assert runs[0]["url"] == case
    # What the tool is for: the same page and number of requests, counted in another process,
    # costs the same instructions: exactly on a quiet machine, with the hash seed fixed, and
    # within 0.7 % with other work beside it (how often psycopg waits for a reply varies). A
    # case page is some ten million instructions.
    assert 1_000_000 < runs[0]["instructions"] < 100_000_000
    assert abs(runs[0]["instructions"] - runs[1]["instructions"]) / runs[1]["instructions"] < 0.01
    # A page that does not answer is not counted: its error page would be measured instead.
    missing = count_instructions(
        committed_fixtures, tmp_path / "missing.json", 1, "/odense-kommune/cases/99.99.99-Z99-9-99/"
    )
    assert missing.returncode != 0
    assert "/odense-kommune/cases/99.99.99-Z99-9-99/ answered 404" in missing.stderr
    assert not (tmp_path / "missing.json").exists()


def test_terms_drawn_from_rows_repeat_with_the_seed(ingested):
    from decisions.models import Case
    from scripts.bench import Bench

    def draw(seed: int) -> list[str]:
        return Bench(300, seed, 1, 0, 0).sample(Case.objects.all(), "number", 5)

    first = draw(1)
    assert first == draw(1)  # the same seed and rows, the same terms (and in the same order)
    assert len(set(first)) == 5 and set(first) <= set(Case.objects.values_list("number", flat=True))
    assert draw(2) != first


@needs_valgrind
def test_instruction_counter_names_what_is_missing(tmp_path, db):
    from django.db import connection

    env = {**os.environ, "ARCHIVE_ALLOW_EPHEMERAL_KEY": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = [sys.executable, "scripts/instructions.py", "--size", "7k", "--out", str(tmp_path)]
    no_results = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert no_results.returncode != 0
    assert f"No {tmp_path / '7k.json'}: run `make bench SIZE=7k` first, or name URL paths" in no_results.stderr
    # Results of a bench at a size whose corpus is gone: said so, and no empty database is made.
    (tmp_path / "7k.json").write_text(json.dumps({"classes": {"rare": {"terms": ["bedrageri"]}}}))
    no_corpus = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert no_corpus.returncode != 0
    assert "There is no database bench_7000: run `make bench` at that size first" in no_corpus.stderr
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname = 'bench_7000'")
        assert cursor.fetchone()[0] == 0


def test_bench_fixtures_reports_every_reader():
    """scripts/bench_fixtures.py's reader table: one row per reader, each with a positive MB/s
    (figures depend on the machine; one round of each real sample, no database)."""
    from decisions.minutes.formats import READERS
    from scripts.bench_fixtures import reader_table, reader_throughput

    rows = reader_throughput(rounds=1)
    assert [row.reader for row in rows] == [reader.FORMAT for reader in READERS]
    for row in rows:
        assert 0 < row.parsed_bytes <= row.read_bytes, row.reader
        assert row.meetings >= 1 and row.mb_per_s > 0 and row.read_mb_per_s > 0, row.reader
    table = reader_table(rows).splitlines()
    assert [line.split()[0] for line in table[1:]] == [reader.FORMAT for reader in READERS]
