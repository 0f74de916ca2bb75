"""The write path against real PostgreSQL: what the fixtures become, idempotency, replace, rollback, bad input."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.db import DataError

from decisions.minutes import parse_minutes
from decisions.models import (
    AgendaItem,
    Attachment,
    BlocVote,
    Case,
    Committee,
    Meeting,
    MeetingAbsence,
    Person,
    PersonAlias,
    Vote,
)
from decisions.services import CREATED, UNCHANGED, UPDATED, ingest_file, ingest_meeting
from tests.conftest import (
    ALL_MINUTES,
    MINUTES_2019,
    MINUTES_2021,
    MINUTES_2024,
    ROOT,
    make_minutes,
    too_many_words_minutes,
)

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Committee,
            Meeting,
            AgendaItem,
            Case,
            Person,
            PersonAlias,
            Vote,
            BlocVote,
            Attachment,
            MeetingAbsence,
        )
    }


def test_fixtures_become_exact_rows(ingested):
    assert [r.status for r in ingested] == [CREATED] * 4
    per_meeting = {m.date: m.items.count() for m in Meeting.objects.all()}
    assert per_meeting == {
        dt.date(2017, 3, 28): 13,
        dt.date(2019, 3, 5): 16,
        dt.date(2024, 5, 28): 16,
        dt.date(2021, 2, 2): 4,
    }
    assert counts() == {
        "Committee": 1,
        "Meeting": 4,
        "AgendaItem": 49,
        # 49 items, of which 15.00.00-G01-139-17 (2017), 00.30.00-S00-11-19 (2019) and
        # 00.30.00-S00-1-24 (2024, five items) recur.
        "Case": 43,
        "Person": 11,
        "PersonAlias": 12,
        # 6 reservations (2017 item 1), 7 + 7 named votes (2019 items 1 and 7), 2 item-level absences.
        "Vote": 22,
        "BlocVote": 0,
        "Attachment": 51,
        "MeetingAbsence": 1,
    }
    meeting = Meeting.objects.get(date=dt.date(2019, 3, 5))
    assert meeting.committee.name == "Beskæftigelses- og Socialudvalget"
    assert meeting.committee.slug == "beskaeftigelses-og-socialudvalget"
    assert meeting.term == "2018-2021"
    assert meeting.start_time == dt.time(8, 30)
    assert meeting.location == "Salen, Ørbækvej 100, 5220 Odense SØ"
    assert meeting.source_name == MINUTES_2019.name
    assert meeting.source_sha256 == hashlib.sha256(MINUTES_2019.read_bytes()).hexdigest()
    assert meeting.source_text == MINUTES_2019.read_text(encoding="utf-8")


def test_item_rows_keep_case_category_sections_and_outcome(ingested):
    item = AgendaItem.objects.get(meeting__date=dt.date(2024, 5, 28), number=5)
    assert (item.title, item.category, item.case.number, item.outcome) == (
        "Indsatser til at nedbringe ledigheden",
        "B",
        "00.30.00-S00-1-24",
        "approved",
    )
    assert (item.case.kle, item.case.facet, item.case.serial, item.case.year) == ("00.30.00", "S00", 1, "24")
    assert [s["heading"] for s in item.sections] == [
        "Resume",
        "Effekt",
        "Indstilling",
        "Beslutning",
        "Sagsfremstilling",
        "Økonomi",
        "Bilag",
    ]
    assert item.decision == "Beskæftigelses- og Socialudvalget godkender indstillingen."
    assert list(item.attachments.values_list("position", "title")) == [
        (1, "Webtilgængelig tabel_nedbringelse af ledighed")
    ]
    assert AgendaItem.objects.filter(case__number="00.30.00-S00-1-24").count() == 5
    danish_facet = AgendaItem.objects.get(meeting__date=dt.date(2017, 3, 28), number=4)
    assert danish_facet.case.number == "15.20.36-Ø34-1-17"


def test_votes_become_person_party_position_subject_rows(ingested):
    item = AgendaItem.objects.get(meeting__date=dt.date(2019, 3, 5), number=1)
    rows = list(item.votes.order_by("line", "id").values_list("person__name", "party", "position", "subject"))
    assert rows == [
        ("Christoffer Lilleholt", "V", "for", "ændringsforslaget"),
        ("Tommy Hummellose", "C", "for", "ændringsforslaget"),
        ("Michael Eskamp Witek", "A", "against", "ændringsforslaget"),
        ("Nazim Gürkan", "A", "against", "ændringsforslaget"),
        ("Keld Hansen", "A", "against", "ændringsforslaget"),
        ("Brian Dybro", "F", "against", "ændringsforslaget"),
        ("Reza Javid", "Ø", "against", "ændringsforslaget"),
    ]
    assert item.subject_outcomes == {"ændringsforslaget": "rejected", "indstillingen": "recommended"}
    assert item.votes.first().sentence == (
        "Christoffer Lilleholt (V) og Tommy Hummellose (C) stemmer for ændringsforslaget."
    )
    reservations = Vote.objects.filter(item__meeting__date=dt.date(2017, 3, 28), item__number=1)
    assert sorted(reservations.values_list("person__name", "role", "position", "subject")) == sorted(
        (name, "Udvalgsmedlem", "reservation", f"indstillingspunkt {n}")
        for name in ("Tim Vermund", "Cæcilie Crawley", "Ulla G. Chambless")
        for n in (2, 3)
    )


def test_item_level_and_meeting_level_absences_are_kept_apart(ingested):
    item_absences = Vote.objects.filter(position="absent").order_by("item__meeting__date")
    assert list(item_absences.values_list("person__name", "item__meeting__date", "item__number", "role")) == [
        ("Christoffer Lilleholt", dt.date(2019, 3, 5), 9, "Udvalgsmedlem"),
        ("Michael Eskamp Witek", dt.date(2021, 2, 2), 1, "Udvalgsmedlem"),
    ]
    absence = MeetingAbsence.objects.get()
    assert (absence.person.name, absence.meeting.date, absence.role, absence.line) == (
        "Anne-Mette Ebensgaard",
        dt.date(2024, 5, 28),
        "Udvalgsmedlem",
        147,
    )
    assert not Vote.objects.filter(person__name="Anne-Mette Ebensgaard").exists()


def test_one_person_for_two_spellings_one_edit_apart(ingested):
    tommy = Person.objects.get(aliases__name="Tommy Hummelose")
    assert tommy == Person.objects.get(aliases__name="Tommy Hummellose")
    assert (tommy.name, tommy.party) == ("Tommy Hummellose", "C")
    assert sorted(tommy.aliases.values_list("name", flat=True)) == ["Tommy Hummellose", "Tommy Hummelose"]
    assert tommy.votes.count() == 2
    # The unpartied item-level absence in 2019 item 9 is the same Christoffer Lilleholt (V).
    assert Person.objects.get(name="Christoffer Lilleholt").votes.count() == 3


def test_different_people_are_never_merged(ingested):
    text = make_minutes(
        (1, "Budget", "Keld Jensen (A) stemmer imod indstillingen.\n\nKeld Hansen (A) stemmer for indstillingen."),
        (2, "Plan", "Tommy Hummelose (V) stemmer for indstillingen."),
    )
    ingest_meeting(parse_minutes(text), source_name="synthetic.txt", source_text=text, sha256="a" * 64)
    assert Person.objects.filter(name__startswith="Keld ").count() == 2
    hansen = Person.objects.get(name="Keld Hansen")
    assert hansen.votes.count() == 3  # the same Keld Hansen (A) as in 2019 items 1 and 7
    # Same spelling, other party: not linked to Tommy Hummellose (C).
    assert Person.objects.filter(aliases__name="Tommy Hummelose").count() == 2


def test_reingesting_unchanged_files_changes_nothing(ingested):
    before = counts()
    stamps = list(Meeting.objects.order_by("pk").values_list("pk", "updated_at"))
    item_ids = sorted(AgendaItem.objects.values_list("pk", flat=True))
    results = [ingest_file(path) for path in ALL_MINUTES]
    assert [r.status for r in results] == [UNCHANGED] * 4
    assert counts() == before
    assert list(Meeting.objects.order_by("pk").values_list("pk", "updated_at")) == stamps
    assert sorted(AgendaItem.objects.values_list("pk", flat=True)) == item_ids


def test_changed_file_replaces_the_meeting_in_place(ingested, write_minutes):
    meeting = Meeting.objects.get(date=dt.date(2019, 3, 5))
    text = MINUTES_2019.read_text(encoding="utf-8")
    changed = text.replace("Reza Javid (Ø) stemmer imod indstillingen.", "Reza Javid (Ø) undlader at stemme.")
    result = ingest_file(write_minutes(MINUTES_2019.name, changed))
    assert result.status == UPDATED
    assert result.meeting.pk == meeting.pk
    assert Meeting.objects.count() == 4
    item7 = AgendaItem.objects.get(meeting=meeting, number=7)
    assert list(item7.votes.filter(person__name="Reza Javid").values_list("position", "subject")) == [("abstain", "")]
    assert Vote.objects.count() == 22
    assert Meeting.objects.get(pk=meeting.pk).source_sha256 == hashlib.sha256(changed.encode()).hexdigest()


def test_failing_write_rolls_back_everything_and_keeps_the_old_meeting(ingested, write_minutes):
    before = counts()
    text = MINUTES_2024.read_text(encoding="utf-8")
    # A title longer than the column allows makes PostgreSQL refuse the items mid-write.
    broken = text.replace("Punkt 16: D-sag: Temabesøg", "Punkt 16: D-sag: " + "Temabesøg " * 120)
    with pytest.raises(DataError):
        ingest_file(write_minutes(MINUTES_2024.name, broken))
    assert counts() == before
    meeting = Meeting.objects.get(date=dt.date(2024, 5, 28))
    assert meeting.items.count() == 16
    assert meeting.source_sha256 == hashlib.sha256(MINUTES_2024.read_bytes()).hexdigest()


def test_dry_run_writes_nothing(db):
    out = io.StringIO()
    call_command("ingest", *map(str, ALL_MINUTES), "--dry-run", stdout=out)
    assert "Dry run (nothing written): meetings created 4" in out.getvalue()
    # Each file is checked against the database as it is: Michael Eskamp Witek, new in the
    # 2019 file, counts as new again for 2021 because the dry run of 2019 wrote nothing.
    assert "items 49, votes 22, new persons 12" in out.getvalue()
    assert sum(counts().values()) == 0


def test_command_summary_and_recursive_directories(db):
    out = io.StringIO()
    call_command("ingest", str(ROOT / "fixtures" / "minutes"), stdout=out)
    assert "meetings created 4, updated 0, unchanged 0, failed 0; items 49, votes 22, new persons 11" in out.getvalue()
    # All of fixtures/: the Odense minutes, the three exports of fixtures/formats (1 + 8 + 5
    # items; their member lists name 5 + 7 + 11 people, Doris Børger (A) in two Ballerup ones),
    # and FirstAgenda's meeting of 12 items and 7 members, twice (formats/ and harvest/: the
    # second copy unchanged); the committee lists beside it are not meetings, and not offered.
    out = io.StringIO()
    call_command("ingest", str(ROOT / "fixtures"), stdout=out)
    assert "meetings created 4, updated 0, unchanged 5, failed 0; items 87, votes 0, new persons 27" in out.getvalue()


NOT_UTF8 = b"REFERAT Testudvalget 2022-2025 d. 01-02-2022\n" + bytes([0x81, 0x8D, 0x90]) + b"\n"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", ":0: the file is empty"),
        ("blank.txt", b"\n\n  \n", ":0: the file is empty"),
        ("binary.txt", bytes(range(256)) * 4, ":0: the file is binary data, not text"),
        ("latin.txt", NOT_UTF8, ":2: the file is not UTF-8 text (and not unambiguous Windows-1252 either)"),
        (
            "page.txt",
            b"<!doctype html>\n<html><head><title>Odense Kommune</title></head>\n"
            b"<body><p>Referater</p></body></html>\n",
            ":1: this is not committee minutes: no 'REFERAT <committee> <term> d. <DD-MM-YYYY>' header",
        ),
        (
            "novel.txt",
            "Det var en mørk og stormfuld nat.\n\nHun gik ned ad Vestergade mod Rådhuset.\n".encode(),
            ":1: this is not committee minutes",
        ),
        (
            "duplicate.txt",
            make_minutes((1, "Første", ""), (2, "Anden", ""), (2, "Anden igen", "")).encode(),
            ":31: item number 2 appears twice (first on line 22)",
        ),
        (
            "enormous.txt",
            too_many_words_minutes().encode(),
            ":0: an agenda item has more distinct words than the search index can hold for one item",
        ),
    ],
)
def test_bad_input_gets_one_line_and_writes_nothing(name, content, message, write_minutes, capsys):
    bad = write_minutes(name, content)
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 of 2 sources failed"):
        call_command("ingest", str(bad), str(MINUTES_2021), stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"{bad}{message}")
    # The good file in the same batch is ingested; the bad one wrote nothing.
    assert Meeting.objects.count() == 1
    assert AgendaItem.objects.count() == 4


def test_file_over_the_size_limit_is_refused(settings, write_minutes):
    settings.ARCHIVE_MAX_MINUTES_BYTES = 10_000
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("ingest", str(MINUTES_2024), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().strip() == f"{MINUTES_2024}:0: the file is 0.1 MB, over the limit of 0 MB"
    assert Meeting.objects.count() == 0


def test_windows_1252_file_is_read_and_says_so(write_minutes):
    text = MINUTES_2021.read_text(encoding="utf-8")
    path = write_minutes("cp1252.txt", text.encode("cp1252"))
    result = ingest_file(path)
    assert result.status == CREATED
    assert result.warnings[0] == "line 0: the file is not UTF-8; it was read as Windows-1252"
    assert Meeting.objects.get().location == "Teams-møde"
    assert (
        AgendaItem.objects.get(number=1).title
        == "Indsatser for øget frivillighed 2021 - Beskæftigelses- og Socialudvalget"
    )


def test_deploy_check_is_clean_under_production_settings():
    env = {
        **os.environ,
        "SECRET_KEY": "k" * 20 + "-production-like-secret-key-with-enough-entropy-0123456789",
        "ARCHIVE_HTTPS": "1",
        "ARCHIVE_DEBUG": "0",
    }
    for name in ("ARCHIVE_ALLOW_EPHEMERAL_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    proc = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "System check identified no issues" in proc.stdout
