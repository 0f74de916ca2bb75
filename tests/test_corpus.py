"""The synthetic corpus: deterministic text in the real layout, loaded through the one write path."""

from __future__ import annotations

import hashlib
import io
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from django.contrib.postgres.search import SearchQuery
from django.core.management import call_command
from django.db import connection
from django.db.models import Count

from decisions import corpus
from decisions.minutes import parse_minutes
from decisions.minutes import types as t
from decisions.minutes.decisions import read_decision
from decisions.models import SEARCH_CONFIG, AgendaItem, Meeting, MeetingAbsence, Membership, Person, Vote

SMALL = 300


def tree_hash(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(directory.rglob("*.txt")):
        digest.update(str(path.relative_to(directory)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@pytest.fixture(scope="module")
def small_texts() -> list[tuple[str, str]]:
    return list(corpus.generate_meetings(SMALL, 1))


def test_meeting_sizes_sum_to_the_items() -> None:
    import random

    for items in (1, 4, 5, 20, 21, 24, 25, 26, 300, 12345):
        sizes = corpus.meeting_sizes(items, random.Random(items))
        assert sum(sizes) == items
        assert all(5 <= size <= 20 for size in sizes) or items < 5


def test_every_committee_reads_as_its_own_decision() -> None:
    names = [name for municipality in corpus.MUNICIPALITIES for name in municipality[4]]
    assert len(names) == len(set(names)), "committee names must be unique (meetings are keyed on them)"
    for name in names:
        reading = read_decision(f"{name} godkender indstillingen.", first_line=1, committee=name, warnings=[])
        assert reading.outcome == t.APPROVED, name
        assert not reading.other_committees, name


def test_text_is_deterministic_and_seed_dependent(tmp_path: Path) -> None:
    for run, seed in (("a", 1), ("b", 1), ("c", 2)):
        call_command(
            "generate_corpus", "--items", str(SMALL), "--seed", str(seed), "--no-load",
            "--write-text", str(tmp_path / run), stdout=io.StringIO(),
        )  # fmt: skip
    assert tree_hash(tmp_path / "a") == tree_hash(tmp_path / "b")
    assert tree_hash(tmp_path / "a") != tree_hash(tmp_path / "c")
    # Laid out as <municipality>/<committee-slug>/<date>.txt
    first = sorted((tmp_path / "a").rglob("*.txt"))[0].relative_to(tmp_path / "a")
    assert first.parts[0] in {m[1] for m in corpus.MUNICIPALITIES}
    assert len(first.parts) == 3 and first.suffix == ".txt"


def test_written_files_parse_back_without_warnings(tmp_path: Path) -> None:
    assert corpus.write_texts(SMALL, 1, tmp_path) > 0
    items = 0
    for path in sorted(tmp_path.rglob("*.txt")):
        meeting = parse_minutes(path.read_text(encoding="utf-8"))
        assert meeting.warnings == (), (path, meeting.warnings)
        assert meeting.date.isoformat() == path.stem
        assert all(item.case is not None for item in meeting.items)
        items += len(meeting.items)
    assert items == SMALL


def test_meetings_have_5_to_20_items_and_realistic_sections(small_texts) -> None:
    parsed = [parse_minutes(text) for _, text in small_texts]
    assert sum(len(m.items) for m in parsed) == SMALL
    assert all(5 <= len(m.items) <= 20 for m in parsed)
    # Every item has a resume; long case descriptions exist; the text is Danish minutes text.
    items = [item for m in parsed for item in m.items]
    assert all(item.section(t.RESUME) for item in items)
    lengths = [len(s.text) for item in items for s in item.sections if s.kind == t.SAGSFREMSTILLING]
    assert lengths and max(lengths) > 3000
    assert len({m.committee for m in parsed}) >= 6


def test_case_descriptions_name_places_of_a_long_tail(small_texts) -> None:
    # Real minutes name streets, properties and firms few other items mention; the corpus does
    # too, so that the benchmark has rare words.
    places = re.compile(r"(?:ejendommen|beboerne på|området omkring|samarbejde med) ([A-ZÆØÅ][a-zæøå]+)")
    parsed = [parse_minutes(text) for _, text in small_texts]
    mentions = Counter(
        name
        for m in parsed
        for item in m.items
        for s in item.sections
        if s.kind == t.SAGSFREMSTILLING
        for name in places.findall(s.text)
    )
    assert sum(mentions.values()) > SMALL * 0.1
    assert len(mentions) > 0.9 * sum(mentions.values())  # mostly named once
    assert all(name[0] + name[1:].lower() == name for name in mentions)  # one word each


def test_case_numbers_recur_in_timelines_of_at_most_8_items() -> None:
    timelines: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for _, text in corpus.generate_meetings(2000, 1):
        meeting = parse_minutes(text)
        for item in meeting.items:
            timelines[item.case.number].append((meeting.committee, meeting.date.isoformat()))
    lengths = Counter(len(timeline) for timeline in timelines.values())
    assert max(lengths) <= 8
    assert sum(n for length, n in lengths.items() if length > 1) > 50  # plenty of recurring cases
    for timeline in timelines.values():
        assert len({committee for committee, _ in timeline}) == 1  # one committee's case
        assert len(set(timeline)) == len(timeline)  # never twice in one meeting


def test_load_writes_exactly_what_the_parser_reads(db, small_texts) -> None:
    from decisions.search import archive_generation

    generation = archive_generation()
    stats = corpus.load_corpus(SMALL, 1, workers=1, batch=7)
    assert archive_generation() == generation + 1  # one bump for the whole load
    parsed = [parse_minutes(text) for _, text in small_texts]

    assert stats.items == SMALL == AgendaItem.objects.count()
    assert stats.meetings == len(parsed) == Meeting.objects.count()
    assert stats.persons == Person.objects.count() > 0
    sizes = Meeting.objects.annotate(n=Count("items")).values_list("n", flat=True)
    assert all(5 <= n <= 20 for n in sizes)
    expected_votes = sum(len({(v.name, v.subject, v.position) for v in item.votes}) for m in parsed for item in m.items)
    assert Vote.objects.count() == stats.votes == expected_votes
    assert MeetingAbsence.objects.count() == sum(len({a.name for a in m.absences}) for m in parsed)
    assert sorted(Meeting.objects.values_list("source_name", flat=True)) == sorted(name for name, _ in small_texts)
    # Consistent sentences: nobody absent from an item or abstaining also votes for or against on it.
    votes = defaultdict(set)
    for item, person, position in Vote.objects.values_list("item_id", "person_id", "position"):
        votes[(item, person)].add(position)
    assert not [p for p in votes.values() if t.ABSENT in p and len(p) > 1]
    assert not [p for p in votes.values() if t.ABSTAIN in p and p & {t.FOR, t.AGAINST}]


def test_persons_have_party_letters_and_all_positions_occur(db) -> None:
    corpus.load_corpus(SMALL, 1, workers=1)
    assert Person.objects.exists()
    assert set(Person.objects.values_list("party", flat=True)) <= set(corpus.PARTY_LETTERS)
    assert set(Vote.objects.values_list("position", flat=True)) == set(t.POSITIONS)


def test_named_votes_on_10_to_20_percent_of_items() -> None:
    # The rows written are exactly the parsed votes (test_load_writes_exactly_what_the_parser_reads),
    # so the share can be counted on the parsed text.
    items = [item for _, text in corpus.generate_meetings(2000, 1) for item in parse_minutes(text).items]
    assert len(items) == 2000
    assert 0.10 <= sum(1 for item in items if item.votes) / len(items) <= 0.20


def test_councillors_vote_in_a_few_committees(db) -> None:
    corpus.load_corpus(SMALL, 1, workers=1)
    # A councillor sits on at most 3 committees per term, so their votes fall in a few.
    per_term = Counter(Membership.objects.values_list("person_id", "term"))
    assert per_term and max(per_term.values()) <= 3
    committees = (
        Vote.objects.order_by()
        .values_list("person_id", "item__meeting__committee_id", "item__meeting__term")
        .distinct()
    )
    assert max(Counter((person, term) for person, _, term in committees).values()) <= 3


def test_command_reports_counts_and_rates(db) -> None:
    out = io.StringIO()
    call_command("generate_corpus", "--items", "120", "--seed", "5", "--workers", "1", stdout=out)
    text = out.getvalue()
    assert "items            120" in text
    assert "meetings" in text and "persons" in text and "load s" in text and "index build s" in text
    assert "items/s" in text
    assert AgendaItem.objects.count() == 120


def _indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename LIKE 'decisions_%%'")
        return {row[0] for row in cursor.fetchall()}


def _reloptions(table: str) -> list[str] | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_parallel_load_with_dropped_indexes_rebuilds_them(tmp_path: Path) -> None:
    before = _indexes()
    assert "item_search_vector_gin" in before
    stats = corpus.load_corpus(SMALL, 1, workers=2, batch=5, drop_indexes=True, write_text=tmp_path)

    assert "item_search_vector_gin" in stats.dropped_indexes
    assert _indexes() == before
    assert _reloptions("decisions_agendaitem") is None  # autovacuum setting restored
    assert stats.workers == 2
    assert AgendaItem.objects.count() == SMALL
    # Same rows as a one-process load would write: the text, and so the rows, do not depend
    # on the number of workers.
    parsed = [parse_minutes(text) for _, text in corpus.generate_meetings(SMALL, 1)]
    assert Vote.objects.count() == sum(
        len({(v.name, v.subject, v.position) for v in item.votes}) for m in parsed for item in m.items
    )
    assert set(Person.objects.values_list("party", flat=True)) <= set(corpus.PARTY_LETTERS)
    # The files written during the load are the corpus' text.
    assert tree_hash(tmp_path) == _written_hash(tmp_path.parent / "plain")
    # Search works on the rebuilt index.
    assert AgendaItem.objects.filter(search_vector=SearchQuery("borgere", config=SEARCH_CONFIG)).exists()


def _written_hash(directory: Path) -> str:
    corpus.write_texts(SMALL, 1, directory)
    return tree_hash(directory)
