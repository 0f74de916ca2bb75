"""send_alerts (decisions/alerts/sending.py, news.py, subscriptions.py) and the write path's part
in it, against the real Odense minutes (fixtures/minutes), Hvidovre's real FirstAgenda agenda
(fixtures/formats/firstagenda) and a real SMTP server on 127.0.0.1 (tests/smtp.py).

Subscriptions are made and confirmed through the service functions, as the pages make them;
runs are given their clock (`send_alerts(now=...)`, `send_alerts --now`), so "due" is tested
at exact moments, including the change from summer time."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
import time
from zoneinfo import ZoneInfo

import pytest
from django.core import signing
from django.core.management import CommandError, call_command
from django.utils import timezone

from decisions.alerts import news, sending, subscriptions, targets
from decisions.alerts.sending import latest_slot, send_alerts
from decisions.models import AlertAddress, AlertSent, AlertSubscription, Meeting, Municipality, Person
from decisions.search import archive_generation
from decisions.services import UPDATED, create_person, ingest_file, merge_persons
from tests.conftest import FORMATS, MINUTES_2017, MINUTES_2019, MINUTES_2021, ODENSE
from tests.smtp import html_of, text_of

pytestmark = pytest.mark.django_db

CPH = ZoneInfo("Europe/Copenhagen")
COMMITTEE = "beskaeftigelses-og-socialudvalget"
FOLLOW_COMMITTEE = {"kind": "committee", "municipality": ODENSE, "committee": COMMITTEE}
# How the committee subscription is named in subjects and e-mails (targets.describe).
COMMITTEE_TARGET = "Beskæftigelses- og Socialudvalget, Odense Kommune"
MEETING_URL = f"http://testserver/{ODENSE}/meetings/{COMMITTEE}/%s/"
# The first item of each fixture meeting as the committee e-mail lists it (number, title, outcome).
FIRST_ITEM_2019 = "  1. Flytning af trygheds- og gadeplansmedarbejdere – anbefalet til byrådet"
FIRST_ITEM_2021 = (
    "  1. Indsatser for øget frivillighed 2021 - Beskæftigelses- og Socialudvalget – anbefalet til byrådet"
)
HVIDOVRE_AGENDA = FORMATS / "firstagenda" / "dagsorden_oekonomiudvalget_2026-05-18.json"


def at(text: str) -> dt.datetime:
    """A moment on Copenhagen's clock ("2025-03-12T07:00")."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=CPH)


def follow(
    email: str, data: dict, schedule: str, *, now: dt.datetime | None = None, confirm: bool = True
) -> AlertSubscription:
    """Subscribe as the form does (confirmation e-mail sent) and, unless told not to, confirm."""
    result = subscriptions.subscribe(email=email, target=targets.target_from_data(data), schedule=schedule, now=now)
    assert result.outcome == subscriptions.CONFIRMATION
    if confirm:
        subscriptions.confirm(result.subscription, now=now)
    return result.subscription


def run_command(*args: str) -> str:
    out = io.StringIO()
    call_command("send_alerts", *args, stdout=out)
    return out.getvalue()


def ledger(subscription: AlertSubscription) -> set[tuple[dt.date, int, str]]:
    """What the subscription has been sent: (meeting date, item number or 0, agenda/minutes)."""
    return set(AlertSent.objects.filter(subscription=subscription).values_list("meeting__date", "number", "kind"))


def plain(message) -> str:
    """The plain text part, with the line ends of a text file (it travels with CRLF)."""
    return text_of(message).replace("\r\n", "\n")


def entries_part(message) -> str:
    """The plain text down to the signature (the links below it are each subscription's own)."""
    return plain(message).split("\n-- \n")[0]


@pytest.fixture
def odense_2017(db):
    """The 2017 minutes loaded first, so that the committee, its cases and persons exist to follow."""
    return ingest_file(MINUTES_2017).meeting


# --- 1. schedules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "now", "slot"),
    [
        ("immediate", "2025-03-12T07:00", None),
        # Daily: 07:00 local of the day, or of the day before when it is not yet 07:00.
        ("daily", "2025-03-12T07:00", "2025-03-12T07:00"),
        ("daily", "2025-03-12T06:59", "2025-03-11T07:00"),
        ("daily", "2025-03-12T18:00", "2025-03-12T07:00"),
        # Weekly: Monday 07:00 local (2025-03-10 is a Monday).
        ("weekly", "2025-03-10T07:00", "2025-03-10T07:00"),
        ("weekly", "2025-03-10T06:59", "2025-03-03T07:00"),
        ("weekly", "2025-03-12T12:00", "2025-03-10T07:00"),
        ("weekly", "2025-03-16T23:59", "2025-03-10T07:00"),
        # The last Sunday of October 2025 (the 26th) clocks go from summer time (+02) to +01:
        # the slot stays at 07:00 on the clock, with the offset of its own day.
        ("daily", "2025-10-26T06:30", "2025-10-25T07:00"),
        ("daily", "2025-10-26T07:00", "2025-10-26T07:00"),
        ("weekly", "2025-10-27T06:59", "2025-10-20T07:00"),
        ("weekly", "2025-10-27T07:00", "2025-10-27T07:00"),
        # And the last Sunday of March 2025 (the 30th), +01 to +02.
        ("daily", "2025-03-30T06:59", "2025-03-29T07:00"),
        ("daily", "2025-03-30T07:00", "2025-03-30T07:00"),
    ],
)
def test_latest_slot(schedule, now, slot):
    found = latest_slot(schedule, at(now))
    if slot is None:
        assert found is None
        return
    assert found == at(slot)
    assert found.utcoffset() == at(slot).utcoffset()


@pytest.mark.parametrize(
    ("now_utc", "slot"),
    [
        # 06:00 UTC on 12 March is 07:00 in Copenhagen: the slot of that day.
        ("2025-03-12T06:00:00+00:00", "2025-03-12T07:00"),
        # 23:30 UTC on 11 March is already the 12th in Copenhagen, before 07:00: the 11th's slot.
        ("2025-03-11T23:30:00+00:00", "2025-03-11T07:00"),
        # 05:30 UTC on the day summer time ends is 06:30 local (+01): not yet that day's slot.
        ("2025-10-26T05:30:00+00:00", "2025-10-25T07:00"),
    ],
)
def test_latest_slot_counts_on_the_local_clock_whatever_the_zone_of_now(now_utc, slot):
    assert latest_slot("daily", dt.datetime.fromisoformat(now_utc)) == at(slot)


@pytest.mark.parametrize("due_at", ["2025-03-12T07:00", "2025-03-12T07:05"])
def test_daily_is_due_at_the_first_run_from_seven_the_next_day(odense_2017, smtp_server, due_at):
    subscription = follow("daglig@example.dk", FOLLOW_COMMITTEE, "daily", now=at("2025-03-11T10:00"))
    smtp_server.clear()
    meeting = ingest_file(MINUTES_2019).meeting  # loaded after the confirmation: news

    # Confirmed after that day's 07:00 slot: not due again until the next day's.
    for not_yet in ("2025-03-11T18:00", "2025-03-12T06:59"):
        assert "0 e-mails" in run_command("--now", not_yet)
    assert smtp_server.messages == []

    out = run_command("--now", due_at)
    assert "alerts: 1 e-mails with 1 items or meetings sent, 0 subscriptions with nothing new, 0 failed" in out
    (message,) = smtp_server.messages
    assert str(message["To"]) == "daglig@example.dk"
    assert str(message["Subject"]).strip() == f"Nyt om {COMMITTEE_TARGET} (1)"
    text = plain(message)
    assert "5. marts 2019 · Beskæftigelses- og Socialudvalget\nReferat:\n" + FIRST_ITEM_2019 in text
    assert MEETING_URL % "2019-03-05" in text
    assert ledger(subscription) == {(meeting.date, 0, "minutes")}
    subscription.refresh_from_db()
    assert subscription.checked_at == at(due_at)
    assert subscription.last_sent_at == at(due_at)

    # Sent at that slot: the 08:00 run leaves it alone, even with something new.
    ingest_file(MINUTES_2021)
    assert "0 e-mails" in run_command("--now", "2025-03-12T08:00")
    assert len(smtp_server.messages) == 1
    subscription.refresh_from_db()
    assert subscription.checked_at == at(due_at)


def test_weekly_is_due_at_the_first_run_from_monday_seven(odense_2017, smtp_server):
    # 2025-03-05 is a Wednesday; the next Mondays are the 10th and the 17th.
    subscription = follow("ugentlig@example.dk", FOLLOW_COMMITTEE, "weekly", now=at("2025-03-05T10:00"))
    smtp_server.clear()
    ingest_file(MINUTES_2019)

    assert send_alerts(now=at("2025-03-10T06:59")).looked == 0
    assert smtp_server.messages == []
    # The first run at or after Monday 07:00 (here Monday morning at 09:30).
    report = send_alerts(now=at("2025-03-10T09:30"))
    assert (report.looked, report.sent, report.entries) == (1, 1, 1)
    assert MEETING_URL % "2019-03-05" in plain(smtp_server.messages[0])

    ingest_file(MINUTES_2021)
    for not_due in ("2025-03-11T07:00", "2025-03-16T23:59", "2025-03-17T06:59"):
        assert send_alerts(now=at(not_due)).looked == 0
    assert len(smtp_server.messages) == 1

    report = send_alerts(now=at("2025-03-17T07:00"))
    assert (report.looked, report.sent, report.entries) == (1, 1, 1)
    second = smtp_server.messages[1]
    assert MEETING_URL % "2021-02-02" in plain(second)
    assert MEETING_URL % "2019-03-05" not in plain(second)  # sent the week before
    assert {date for date, _n, _k in ledger(subscription)} == {dt.date(2019, 3, 5), dt.date(2021, 2, 2)}


def test_daily_across_the_end_of_summer_time_is_due_at_seven_local(odense_2017, smtp_server):
    # Confirmed on Saturday 25 October 2025 at 10:00 summer time; on Sunday the 26th the clocks
    # go back an hour at 03:00. 06:30 on Sunday is 05:30 UTC, after 05:00 UTC (Saturday's 07:00
    # was 05:00 UTC), yet before Sunday's 07:00 on the clock.
    subscription = follow("sommertid@example.dk", FOLLOW_COMMITTEE, "daily", now=at("2025-10-25T10:00"))
    smtp_server.clear()
    ingest_file(MINUTES_2019)

    assert "0 e-mails" in run_command("--now", "2025-10-26T06:30")
    assert smtp_server.messages == []
    assert "1 e-mails" in run_command("--now", "2025-10-26T07:00")
    assert len(smtp_server.messages) == 1
    subscription.refresh_from_db()
    assert subscription.checked_at == dt.datetime(2025, 10, 26, 6, 0, tzinfo=dt.UTC)


def test_immediate_is_due_at_every_run(odense_2017, smtp_server):
    subscription = follow("straks@example.dk", FOLLOW_COMMITTEE, "immediate", now=at("2025-03-11T10:00"))
    smtp_server.clear()

    ingest_file(MINUTES_2019)
    assert send_alerts(now=at("2025-03-11T10:01")).sent == 1
    ingest_file(MINUTES_2021)
    assert send_alerts(now=at("2025-03-11T10:02")).sent == 1  # a minute later: due again
    report = send_alerts(now=at("2025-03-11T10:03"))
    assert (report.looked, report.sent) == (1, 0)  # due, but nothing new: no e-mail

    first, second = smtp_server.messages
    assert FIRST_ITEM_2019 in plain(first) and FIRST_ITEM_2021 not in plain(first)
    assert FIRST_ITEM_2021 in plain(second) and FIRST_ITEM_2019 not in plain(second)
    subscription.refresh_from_db()
    assert subscription.checked_at == at("2025-03-11T10:03")
    assert subscription.last_sent_at == at("2025-03-11T10:02")


# --- 2. what happens between runs accumulates -------------------------------------------------


def test_two_meetings_between_two_daily_runs_come_in_one_email(odense_2017, smtp_server):
    subscription = follow("samlet@example.dk", FOLLOW_COMMITTEE, "daily", now=at("2025-03-11T07:30"))
    smtp_server.clear()
    ingest_file(MINUTES_2021)  # loaded first, but the older meeting is listed first
    ingest_file(MINUTES_2019)

    report = send_alerts(now=at("2025-03-12T07:00"))
    assert (report.sent, report.entries) == (1, 2)
    (message,) = smtp_server.messages
    assert str(message["Subject"]).strip() == f"Nyt om {COMMITTEE_TARGET} (2)"
    text = plain(message)
    assert text.index("5. marts 2019 · Beskæftigelses- og Socialudvalget") < text.index(
        "2. februar 2021 · Beskæftigelses- og Socialudvalget"
    )
    assert FIRST_ITEM_2019 in text and FIRST_ITEM_2021 in text
    html = html_of(message)
    assert f'href="{MEETING_URL % "2019-03-05"}"' in html and f'href="{MEETING_URL % "2021-02-02"}"' in html
    assert ledger(subscription) == {(dt.date(2019, 3, 5), 0, "minutes"), (dt.date(2021, 2, 2), 0, "minutes")}


# --- 3. expiry --------------------------------------------------------------------------------


def test_unconfirmed_subscriptions_are_deleted_seven_days_after_they_were_made(odense_2017, smtp_server):
    made = at("2025-03-01T12:00")
    case = {"kind": "case", "municipality": ODENSE, "number": "15.00.00-G01-139-17"}
    alone = follow("glemt@example.dk", FOLLOW_COMMITTEE, "daily", now=made, confirm=False)
    # An address with a confirmed subscription keeps it, and itself, when its other one expires.
    kept = follow("begge@example.dk", case, "weekly", now=made - dt.timedelta(days=1))
    dropped = follow("begge@example.dk", FOLLOW_COMMITTEE, "daily", now=made, confirm=False)
    # Confirmed long ago: confirmed subscriptions never expire.
    old = follow("gammel@example.dk", FOLLOW_COMMITTEE, "weekly", now=made - dt.timedelta(days=400))

    assert send_alerts(now=made + dt.timedelta(days=6, hours=23)).expired == 0
    assert AlertSubscription.objects.count() == 4

    report = send_alerts(now=made + dt.timedelta(days=7, minutes=1))
    assert report.expired == 2
    assert not AlertSubscription.objects.filter(pk__in=[alone.pk, dropped.pk]).exists()
    assert set(AlertSubscription.objects.values_list("pk", flat=True)) == {kept.pk, old.pk}
    assert sorted(AlertAddress.objects.values_list("email", flat=True)) == ["begge@example.dk", "gammel@example.dk"]


@pytest.mark.parametrize(
    ("age", "status"),
    [
        (dt.timedelta(days=6, hours=23), 200),
        (dt.timedelta(days=7, minutes=1), 404),
    ],
)
def test_a_confirmation_link_works_for_seven_days(odense_2017, smtp_server, client, monkeypatch, age, status):
    subscription = follow("link@example.dk", FOLLOW_COMMITTEE, "daily", confirm=False)
    # The link as it was signed `age` ago: django.core.signing stamps it with time.time().
    signed_at = time.time() - age.total_seconds()
    with monkeypatch.context() as patched:
        patched.setattr(signing.time, "time", lambda: signed_at)
        token = subscriptions.confirm_token(subscription)

    response = client.get(f"/alerts/confirm/{token}/")
    assert response.status_code == status
    subscription.refresh_from_db()
    if status == 200:
        assert subscription.confirmed_at is not None
    else:
        assert "Linket virker ikke" in response.content.decode()
        assert subscription.confirmed_at is None


def test_a_confirmation_sent_again_works_for_the_seven_days_it_promises(odense_2017, smtp_server, client):
    # The form filled in again on day 6 sends a new confirmation e-mail, whose link "virker i 7
    # dage" (alert_confirm_email.txt). The run a day later must not delete what it would confirm.
    now = timezone.now()
    first = follow("igen@example.dk", FOLLOW_COMMITTEE, "daily", now=now - dt.timedelta(days=6, hours=1), confirm=False)
    again = subscriptions.subscribe(
        email="igen@example.dk", target=targets.target_from_data(FOLLOW_COMMITTEE), schedule="daily", now=now
    )
    assert (again.outcome, again.subscription.pk) == (subscriptions.CONFIRMATION, first.pk)
    link = re.search(r"http://testserver(/alerts/confirm/[^/\s]+/)", plain(smtp_server.messages[-1])).group(1)

    send_alerts(now=now + dt.timedelta(days=1))

    assert client.get(link).status_code == 200
    assert AlertSubscription.objects.get(pk=first.pk).confirmed_at is not None


# --- 4. the mail server refuses, then takes --------------------------------------------------


def test_a_refused_alert_is_sent_at_the_next_run_and_others_go_out_meanwhile(odense_2017, smtp_server, caplog):
    first = follow("foerst@example.dk", FOLLOW_COMMITTEE, "immediate")
    second = follow("anden@example.dk", FOLLOW_COMMITTEE, "immediate")
    confirmed_generation = first.checked_generation
    smtp_server.clear()
    ingest_file(MINUTES_2019)

    smtp_server.refuse(1)  # the first (lowest pk) of the run gets 451
    out = io.StringIO()
    with caplog.at_level(logging.WARNING, logger="decisions.alerts.mail"):
        with pytest.raises(CommandError, match="1 e-mails were not accepted by the mail server"):
            call_command("send_alerts", stdout=out)
    assert "1 e-mails with 1 items or meetings sent, 0 subscriptions with nothing new, 1 failed" in out.getvalue()
    [record] = [r for r in caplog.records if r.name == "decisions.alerts.mail"]
    assert record.getMessage().startswith(f"alert e-mail (alert {first.pk}) not sent: SMTPDataError")
    assert "foerst@example.dk" not in record.getMessage()  # logged without the address
    (sent,) = smtp_server.messages
    assert str(sent["To"]) == "anden@example.dk"

    # The refused one is as it was: nothing marked as looked at or sent.
    first.refresh_from_db()
    assert (first.checked_generation, first.last_sent_at) == (confirmed_generation, None)
    assert ledger(first) == set()
    assert ledger(second) == {(dt.date(2019, 3, 5), 0, "minutes")}

    report = send_alerts()
    assert (report.sent, report.entries, report.failed) == (1, 1, [])
    retried = smtp_server.messages[1]
    assert str(retried["To"]) == "foerst@example.dk"
    assert entries_part(retried) == entries_part(sent)
    assert ledger(first) == ledger(second)

    report = send_alerts()
    assert (report.looked, report.sent) == (2, 0)
    assert len(smtp_server.messages) == 2


def test_a_refused_confirmation_is_sent_by_the_next_run_once(odense_2017, smtp_server, client):
    smtp_server.refuse(1)
    result = subscriptions.subscribe(
        email="bekraeft@example.dk", target=targets.target_from_data(FOLLOW_COMMITTEE), schedule="daily"
    )
    assert result.outcome == subscriptions.FAILED
    assert result.subscription.confirmation_sent_at is None
    assert smtp_server.messages == []

    now = at("2025-03-11T12:00")
    report = send_alerts(now=now)
    assert (report.confirmations, report.confirmations_failed) == (1, 0)
    (message,) = smtp_server.messages
    assert str(message["Subject"]).strip() == f"Bekræft: besked om {COMMITTEE_TARGET}"
    result.subscription.refresh_from_db()
    assert result.subscription.confirmation_sent_at == now

    assert send_alerts(now=now + dt.timedelta(minutes=5)).confirmations == 0
    assert len(smtp_server.messages) == 1
    # The late e-mail's link confirms.
    link = re.search(r"http://testserver(/alerts/confirm/[^/\s]+/)", plain(message)).group(1)
    assert client.get(link).status_code == 200
    result.subscription.refresh_from_db()
    assert result.subscription.confirmed_at is not None


# --- 5. never twice ---------------------------------------------------------------------------


def test_reloading_a_sent_meeting_with_changed_text_sends_nothing_new(odense_2017, smtp_server, write_minutes):
    subscription = follow("rettet@example.dk", FOLLOW_COMMITTEE, "immediate")
    smtp_server.clear()
    ingest_file(MINUTES_2019)
    assert send_alerts().sent == 1

    # The same meeting (committee and date) again, with a sentence of item 2 reworded.
    text = MINUTES_2019.read_text(encoding="utf-8")
    sentence = "Status på investeringsprojekterne præsenteres via nedenstående"
    assert text.count(sentence) == 1
    changed = write_minutes("rettet.txt", text.replace(sentence, "Status på investeringsprojekterne vises i"))
    result = ingest_file(changed)
    assert result.status == UPDATED
    assert result.meeting.written_generation > subscription.checked_generation

    report = send_alerts()
    assert (report.looked, report.sent) == (1, 0)
    assert len(smtp_server.messages) == 1
    assert ledger(subscription) == {(dt.date(2019, 3, 5), 0, "minutes")}
    subscription.refresh_from_db()
    assert subscription.checked_generation == archive_generation()


def hvidovre_minutes(tmp_path):
    """Hvidovre's real agenda made into the minutes of the same meeting: item 3 gets this meeting's
    decision block, as the minutes print it (tests/readers/test_firstagenda.py), and the document
    is named "Referat"."""
    root = json.loads(HVIDOVRE_AGENDA.read_bytes())
    (element,) = [e for e in root["Dagsordenpunkter"] if e["Punktnummer"] == "3"]
    field = element["Felter"][0]
    block = "<h3>Beslutning i Økonomiudvalget den 18-05-2026</h3><div><p><span>Anbefales godkendt.</span></p></div>"
    assert field["Html"].count("<h3>Sagsfremstilling</h3>") == 1
    field["Html"] = field["Html"].replace("<h3>Sagsfremstilling</h3>", block + "\n<h3>Sagsfremstilling</h3>")
    root["Moede"]["Navn"] = "Referat"
    path = tmp_path / "referat_oekonomiudvalget_2026-05-18.json"
    path.write_text(json.dumps(root, ensure_ascii=False), encoding="utf-8")
    return path


def test_an_item_is_sent_as_an_agenda_and_once_more_with_its_minutes(db, smtp_server, tmp_path):
    # No fixture exists both as agenda and minutes; Hvidovre's real FirstAgenda agenda is made into
    # its minutes here. A search follows it from before anything of Hvidovre is loaded.
    subscription = follow("grenhusene@example.dk", {"kind": "search", "q": "Grenhusene"}, "immediate")
    smtp_server.clear()

    def ingest(path):
        # The loading command e-mails the "immediate" subscriptions itself.
        call_command("ingest", str(path), municipality="Hvidovre Kommune", stdout=io.StringIO())

    ingest(HVIDOVRE_AGENDA)
    (agenda,) = smtp_server.messages
    assert str(agenda["Subject"]).strip() == "Nyt om søgningen “Grenhusene” (1)"
    item_url = "http://testserver/hvidovre-kommune/meetings/oekonomiudvalget/2026-05-18/3/"
    assert entries_part(agenda) == (
        "Nyt i Beslutningsarkivet om søgningen “Grenhusene”:\n\n"
        "18. maj 2026 · Økonomiudvalget\n"
        "Punkt 3: Beslutning - Skema A godkendelse ved Grenhusene\n"
        "På dagsordenen (endnu ikke besluttet)\n" + item_url + "\n"
    )

    ingest(hvidovre_minutes(tmp_path))
    assert Meeting.objects.get().kind == "minutes"  # the agenda's row, replaced in place
    _agenda, minutes = smtp_server.messages
    assert entries_part(minutes) == (
        "Nyt i Beslutningsarkivet om søgningen “Grenhusene”:\n\n"
        "18. maj 2026 · Økonomiudvalget\n"
        "Punkt 3: Beslutning - Skema A godkendelse ved Grenhusene\n"
        "Udfald: anbefalet til byrådet\n" + item_url + "\n"
    )
    date = dt.date(2026, 5, 18)
    assert ledger(subscription) == {(date, 3, "agenda"), (date, 3, "minutes")}

    # Nothing new: the same minutes again, the agenda again (never replaces minutes), a plain run.
    ingest(hvidovre_minutes(tmp_path))
    ingest(HVIDOVRE_AGENDA)
    assert send_alerts().sent == 0
    assert len(smtp_server.messages) == 2


# --- 6. merged persons ------------------------------------------------------------------------


def test_a_merged_persons_followers_follow_the_person_kept(db, smtp_server):
    ingest_file(MINUTES_2017)
    ingest_file(MINUTES_2019)
    odense = Municipality.objects.get(slug=ODENSE)
    keep = Person.objects.get(municipality=odense, name="Michael Eskamp Witek")
    # An editor's second record of him, spelt with a hyphen, which some address followed.
    other = create_person("Michael Eskamp-Witek", "A", municipality=odense)

    def person(p):
        return {"kind": "person", "municipality": ODENSE, "person": p.slug}

    moved = follow("flyttet@example.dk", person(other), "immediate")
    both_keep = follow("begge@example.dk", person(keep), "immediate")
    both_other = follow("begge@example.dk", person(other), "immediate")
    smtp_server.clear()

    merge_persons(keep=keep, other=other)

    moved.refresh_from_db()
    assert (moved.person_id, moved.target) == (keep.pk, f"person:{keep.pk}")
    assert list(AlertSubscription.objects.filter(address__email="begge@example.dk").values_list("pk", "person")) == [
        (both_keep.pk, keep.pk)
    ]
    assert not AlertSubscription.objects.filter(pk=both_other.pk).exists()

    # His absence from item 1 of the 2021 minutes reaches both addresses, once each.
    ingest_file(MINUTES_2021)
    report = send_alerts()
    assert (report.sent, report.entries) == (2, 2)
    messages = sorted(smtp_server.messages, key=lambda m: str(m["To"]))
    assert [str(m["To"]) for m in messages] == ["begge@example.dk", "flyttet@example.dk"]
    for message in messages:
        assert str(message["Subject"]).strip() == "Nyt om Michael Eskamp Witek, Odense Kommune (1)"
        text = plain(message)
        assert "Punkt 1: Indsatser for øget frivillighed 2021 - Beskæftigelses- og Socialudvalget" in text
        assert "Stemme: fraværende" in text


# --- 7. a meeting loaded during a run ---------------------------------------------------------


def test_a_meeting_loaded_while_a_run_is_under_way_is_sent_by_the_next_run(odense_2017, smtp_server):
    subscription = follow("imens@example.dk", FOLLOW_COMMITTEE, "immediate")
    smtp_server.clear()

    upto = archive_generation()  # what a run reads first
    meeting = ingest_file(MINUTES_2019).meeting  # committed while that run is still going
    assert meeting.written_generation > upto
    assert news.new_entries(subscription, upto=upto) == []
    # That run looks at the subscription with what it read, and marks it as looked at so far.
    assert sending._send_one(subscription.pk, upto=upto, now=at("2025-03-11T10:00")) == 0
    subscription.refresh_from_db()
    assert subscription.checked_generation == upto
    assert smtp_server.messages == []

    report = send_alerts()
    assert (report.sent, report.entries) == (1, 1)
    assert MEETING_URL % "2019-03-05" in plain(smtp_server.messages[0])


# --- 8. the cap on entries in one e-mail ------------------------------------------------------


def test_an_email_lists_at_most_the_cap_and_links_to_the_rest(odense_2017, smtp_server, settings):
    settings.ARCHIVE_ALERT_MAX_ENTRIES = 2
    subscription = follow("mange@example.dk", {"kind": "search", "committee": COMMITTEE}, "immediate")
    smtp_server.clear()
    ingest_file(MINUTES_2019)  # 16 items, each a match of the committee filter

    report = send_alerts()
    assert (report.sent, report.entries) == (1, 16)
    (message,) = smtp_server.messages
    assert str(message["Subject"]).strip() == "Nyt om alle beslutninger (Beskæftigelses- og Socialudvalget) (16)"
    text = plain(message)
    search_url = f"http://testserver/search/?committee={COMMITTEE}"
    assert "Punkt 1: Flytning af trygheds- og gadeplansmedarbejdere" in text
    assert "Punkt 2: Opfølgning på investeringsprojekter på beskæftigelsesområdet pr. 31/12 2018" in text
    assert "Punkt 3:" not in text
    assert f"… og 14 mere: {search_url}" in text
    assert f'<a href="{search_url}">… og 14 mere</a>' in html_of(message)
    # All 16 are recorded as sent: the link has the rest, the next e-mail does not repeat them.
    assert ledger(subscription) == {(dt.date(2019, 3, 5), n, "minutes") for n in range(1, 17)}
    assert send_alerts().sent == 0
