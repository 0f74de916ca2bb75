"""E-mail alerts (issue 18) end to end: from the "Få besked på e-mail" form on a page to the
e-mails a real SMTP server on 127.0.0.1 receives (tests/smtp.py), and back through the links
in them.

Each test walks a visitor's path with Django's test client: the subscribe form as the search,
case, person or committee page renders it, the confirmation e-mail and its link, the news that
`manage.py ingest` sends to "immediate" subscriptions and `manage.py send_alerts --now …` to
daily and weekly ones, the one-click unsubscribe link, the address's own page. The minutes are
the four real Odense fixtures and the real Ballerup Publication agenda; where a story needs a
later meeting (a case treated again, the minutes of an agenda) it is written in the Odense
layout (tests.conftest.make_minutes) and loaded by the same `ingest` command."""

from __future__ import annotations

import datetime as dt
import html
import re
import time
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.core import signing
from django.core.cache import caches
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone
from django.utils.http import urlencode

from decisions.alerts.subscriptions import _CONFIRM_SALT, _END_ALL_SALT, _MANAGE_SALT, _UNSUBSCRIBE_SALT
from decisions.models import AlertAddress, AlertSent, AlertSubscription
from decisions.search import archive_generation
from decisions.services import ingest_file
from tests.conftest import (
    MINUTES_2017,
    MINUTES_2019,
    MINUTES_2021,
    MINUTES_2024,
    PUBLICATION_BALLERUP,
    make_minutes,
)
from tests.smtp import html_of, text_of

pytestmark = pytest.mark.django_db

SITE = "http://testserver"
FROM = "Beslutningsarkivet <besked@arkiv.test>"
BSU = "beskaeftigelses-og-socialudvalget"
BSU_PAGE = f"/odense-kommune/meetings/{BSU}/"
CASE = "00.30.00-S00-1-24"  # Investeringsprojekt: Flere seniorer i beskæftigelse (2024-05-28, items 2, 5, 8-10)
CASE_PAGE = f"/odense-kommune/cases/{CASE}/"
SAME_SITE = {"HTTP_ORIGIN": SITE}
# send_alerts' summary when no subscription was due (none even looked at).
NONE_DUE = "alerts: 0 e-mails with 0 items or meetings sent, 0 subscriptions with nothing new, 0 failed"


# --- The visitor's side: forms as pages render them, links as e-mails carry them ----------------


class _AlertForm(HTMLParser):
    """The subscribe form of a page (the form posting to /alerts/subscribe/): its
    action and the fields a browser submits (hidden ones, the checked schedule, the honeypot)."""

    def __init__(self):
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.inside = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("action") == "/alerts/subscribe/":
            self.inside, self.action = True, a["action"]
        elif self.inside and tag == "input" and a.get("name"):
            kind = a.get("type")
            if kind in ("hidden", "text") or (kind == "radio" and "checked" in a):
                self.fields[a["name"]] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def alert_form(client, page: str) -> tuple[str, dict[str, str]]:
    response = client.get(page)
    assert response.status_code == 200, page
    parser = _AlertForm()
    parser.feed(response.content.decode())
    assert parser.action, f"no subscribe form on {page}"
    return parser.action, parser.fields


def subscribe_on(client, page: str, email: str, schedule: str | None = None):
    """Fill in and send the page's form as a browser on this site does (Origin: the site)."""
    action, fields = alert_form(client, page)
    fields["email"] = email
    if schedule:
        fields["schedule"] = schedule
    return client.post(action, fields, **SAME_SITE)


def post_form(client, data: dict, **headers):
    """The subscribe POST with exactly these fields (what a browser, a bot or another site sends)."""
    return client.post("/alerts/subscribe/", data, **headers)


def links(message, kind: str) -> list[str]:
    """The paths of the /alerts/<kind>/<token>/ links in the plain-text part; the HTML part
    carries the same ones."""
    found = re.findall(rf"{SITE}(/alerts/{kind}/[\w:-]+/)", text_of(message))
    assert found == re.findall(rf'href="{SITE}(/alerts/{kind}/[\w:-]+/)"', html_of(message))
    return found


def link(message, kind: str) -> str:
    (path,) = links(message, kind)
    return path


def subjects(server) -> list[str]:
    # A folded header parses with a leading space (tests/smtp.py).
    return [str(message["Subject"]).strip() for message in server.messages]


def plain(message) -> str:
    """The plain-text part with Unix line ends."""
    return text_of(message).replace("\r\n", "\n")


def sign_up(client, server, page: str, email: str, schedule: str) -> AlertSubscription:
    """Subscribe on `page` and follow the link of the confirmation e-mail; the mailbox is then emptied."""
    response = subscribe_on(client, page, email, schedule)
    assert (response.status_code, response["Location"]) == (302, "/alerts/sent/")
    confirmation = server.messages[-1]
    assert str(confirmation["Subject"]).strip().startswith("Bekræft: besked om ")
    assert client.get(link(confirmation, "confirm")).status_code == 200
    server.clear()
    return AlertSubscription.objects.filter(confirmed_at__isnull=False).latest("confirmed_at")


def ingest(*args) -> str:
    out, err = StringIO(), StringIO()
    call_command("ingest", *map(str, args), stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def send_alerts(*args) -> str:
    out = StringIO()
    call_command("send_alerts", *args, stdout=out)
    return out.getvalue()


def bsu_minutes(write_minutes, date: str, *items: tuple[int, str, str], case: str = CASE):
    """Later minutes of Beskæftigelses- og Socialudvalget whose item 1 treats `case` again."""
    text = make_minutes(*items, committee="Beskæftigelses- og Socialudvalget", date=date, term="2022-2025")
    return write_minutes(f"bsu_{date}.txt", text.replace("00.01.00-A00-1-22", case))


def next_slot(after: dt.datetime, *, weekday: int | None = None) -> dt.datetime:
    """The first 07:00 local (ARCHIVE_ALERT_HOUR) after `after`, on `weekday` if given."""
    local = timezone.localtime(after)
    slot = local.replace(hour=7, minute=0, second=0, microsecond=0)
    if weekday is not None:
        slot += dt.timedelta(days=(weekday - local.weekday()) % 7)
    if slot <= local:
        slot += dt.timedelta(days=7 if weekday is not None else 1)
    return slot


def at(moment: dt.datetime) -> str:
    """`--now` as the timer's operator writes it: local wall-clock time to the minute."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def unfolded_header(raw: bytes, name: str) -> str:
    """A header as it went over the wire, folding removed (RFC 5322 2.2.3)."""
    head = raw.split(b"\r\n\r\n", 1)[0].replace(b"\r\n ", b" ").replace(b"\r\n\t", b" ")
    (line,) = [line for line in head.split(b"\r\n") if line.lower().startswith(name.lower().encode() + b":")]
    return line.split(b":", 1)[1].decode("ascii").strip()


# --- Following something, and what it sends ----------------------------------------------------------


def test_a_case_followed_from_its_page_is_e_mailed_when_minutes_treat_it_again(
    ingested, client, smtp_server, write_minutes
):
    """The whole path for a case: the form on the case page, the confirmation e-mail, its link,
    and the news `ingest` sends; only meetings written after the confirmation count."""
    action, fields = alert_form(client, CASE_PAGE)
    # The case page names its case; the browser adds the address and keeps the checked schedule.
    assert (action, fields) == (
        "/alerts/subscribe/",
        {"kind": "case", "municipality": "odense-kommune", "number": CASE, "schedule": "daily", "website": ""},
    )
    response = subscribe_on(client, CASE_PAGE, "Ida.Hansen@Example.DK", "immediate")
    assert (response.status_code, response["Location"]) == (302, "/alerts/sent/")
    assert "Tjek din e-mail" in client.get("/alerts/sent/").content.decode()

    # One confirmation e-mail, to the address as stored (lower case), from DEFAULT_FROM_EMAIL.
    assert smtp_server.envelopes == [("besked@arkiv.test", ["ida.hansen@example.dk"])]
    (confirmation,) = smtp_server.messages
    assert subjects(smtp_server) == [f"Bekræft: besked om sag {CASE}, Odense Kommune"]
    assert (confirmation["From"], confirmation["To"]) == (FROM, "ida.hansen@example.dk")
    assert confirmation["Auto-Submitted"] == "auto-generated"
    unsubscribe = link(confirmation, "unsubscribe")
    raw = smtp_server.raw(0)
    assert unfolded_header(raw, "List-Unsubscribe") == f"<{SITE}{unsubscribe}>"
    assert unfolded_header(raw, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    assert text_of(confirmation).startswith(
        f"Nogen, forhåbentlig dig, har bedt om at få besked fra Beslutningsarkivet om sag {CASE}, Odense Kommune."
    )
    assert len(links(confirmation, "manage")) == 1
    subscription = AlertSubscription.objects.get()
    assert (subscription.kind, subscription.case.number, subscription.schedule) == ("case", CASE, "immediate")
    assert subscription.confirmed_at is None

    # Minutes that treat the case again, before the link is followed: nothing is sent.
    output = ingest(
        bsu_minutes(write_minutes, "18-06-2024", (1, "Flere seniorer i beskæftigelse, status", "Godkendt."))
    )
    assert "alerts:" not in output
    assert len(smtp_server.messages) == 1

    confirmed = client.get(link(confirmation, "confirm"))
    assert confirmed.status_code == 200
    assert (
        f"Du får nu besked om sag {CASE}, Odense Kommune (straks, når nye referater er hentet)."
        in confirmed.content.decode()
    )
    subscription.refresh_from_db()
    assert subscription.confirmed_at is not None
    assert subscription.checked_generation == archive_generation()
    # The meeting of 18 June was written before the confirmation: not news for this subscription.
    assert send_alerts().startswith("alerts: 0 e-mails with 0 items or meetings sent, 1 subscriptions with nothing new")
    assert len(smtp_server.messages) == 1

    output = ingest(bsu_minutes(write_minutes, "20-08-2024", (1, "Flere seniorer i beskæftigelse, evaluering", "")))
    assert "alerts: 1 e-mails with 1 items or meetings sent, 0 subscriptions with nothing new, 0 failed" in output
    assert subjects(smtp_server)[1:] == [f"Nyt om sag {CASE}, Odense Kommune (1)"]
    news = smtp_server.messages[1]
    assert news["To"] == "ida.hansen@example.dk"
    assert plain(news) == (
        f"Nyt i Beslutningsarkivet om sag {CASE}, Odense Kommune:\n"
        "\n"
        "20. august 2024 · Beskæftigelses- og Socialudvalget\n"
        "Punkt 1: Flere seniorer i beskæftigelse, evaluering\n"
        "Udfald: ingen beslutning\n"
        f"{SITE}/odense-kommune/meetings/{BSU}/2024-08-20/1/\n"
        "\n"
        "-- \n"
        f"Afmeld denne besked: {SITE}{link(news, 'unsubscribe')}\n"
        f"Se og ret alle dine beskeder: {SITE}{link(news, 'manage')}\n"
        "\n"
    )
    assert f'<a href="{SITE}/odense-kommune/meetings/{BSU}/2024-08-20/1/">' in html_of(news)
    # Its own one-click link (signed anew, so another token) for the same subscription.
    assert unfolded_header(smtp_server.raw(1), "List-Unsubscribe") == f"<{SITE}{link(news, 'unsubscribe')}>"
    assert f"Afmeld beskeder om sag {CASE}, Odense Kommune?" in client.get(link(news, "unsubscribe")).content.decode()
    assert list(AlertSent.objects.values_list("meeting__date", "number", "kind")) == [
        (dt.date(2024, 8, 20), 1, "minutes")
    ]

    # Sent once: the next run has nothing new, and sends nothing.
    assert (
        send_alerts().strip()
        == "alerts: 0 e-mails with 0 items or meetings sent, 1 subscriptions with nothing new, 0 failed"
    )
    assert len(smtp_server.messages) == 2


def test_a_search_followed_daily_is_sent_at_the_first_run_after_seven(client, smtp_server, write_minutes):
    """A search from the search page, daily: `ingest` sends it nothing (not "immediate");
    send_alerts sends it at its first run after 07:00 local, once a day, with the matches of
    the meetings written since, as the search page matches them."""
    for path in (MINUTES_2017, MINUTES_2021, MINUTES_2024):
        ingest_file(path)
    _action, fields = alert_form(client, "/search/?q=bedrageri&sort=oldest&page=1")
    # The search's words and filters, not its order or page.
    assert fields == {"kind": "search", "q": "bedrageri", "schedule": "daily", "website": ""}
    subscription = sign_up(client, smtp_server, "/search/?q=bedrageri", "sofie@example.dk", "daily")
    assert (subscription.search_query, subscription.search_filters) == ("bedrageri", {})

    # 2019-03-05 item 8, "Drøftelse af Odense Kommunes bekæmpelse af socialt bedrageri", matches.
    assert "alerts:" not in ingest(MINUTES_2019)
    assert smtp_server.messages == []

    first = next_slot(subscription.checked_at)
    assert send_alerts("--now", at(first - dt.timedelta(minutes=1))).strip() == NONE_DUE
    assert smtp_server.messages == []
    assert send_alerts("--now", at(first)).startswith("alerts: 1 e-mails with 1 items or meetings sent")
    assert subjects(smtp_server) == ["Nyt om søgningen “bedrageri” (1)"]
    text = plain(smtp_server.messages[0])
    assert (
        "5. marts 2019 · Beskæftigelses- og Socialudvalget\n"
        "Punkt 8: Drøftelse af Odense Kommunes bekæmpelse af socialt bedrageri\n"
        "Udfald: drøftet\n"
        f"{SITE}/odense-kommune/meetings/{BSU}/2019-03-05/8/\n"
    ) in text
    # The 2017 match (item 5) was in the archive before the subscription: not news.
    assert "28. marts 2017" not in text
    assert len(re.findall(r"^Punkt ", text, re.MULTILINE)) == 1

    # New minutes the same day are kept for the next day's first run after 07:00.
    minutes = bsu_minutes(
        write_minutes, "02-04-2019", (1, "Opfølgning på socialt bedrageri", "Taget til efterretning.")
    )
    ingest(minutes)
    assert send_alerts("--now", at(first + dt.timedelta(hours=23, minutes=59))).strip() == NONE_DUE
    assert len(smtp_server.messages) == 1
    assert send_alerts("--now", at(first + dt.timedelta(days=1))).startswith("alerts: 1 e-mails with 1 items")
    assert subjects(smtp_server)[1] == "Nyt om søgningen “bedrageri” (1)"
    assert "Punkt 1: Opfølgning på socialt bedrageri\nUdfald: taget til efterretning\n" in plain(
        smtp_server.messages[1]
    )


def test_a_person_followed_weekly_is_told_how_they_voted_on_monday(client, smtp_server):
    """A person from their page, weekly: on the first run after 07:00 on Monday, the items of
    the new minutes that name them, with the position each vote records."""
    for path in (MINUTES_2017, MINUTES_2021, MINUTES_2024):
        ingest_file(path)
    page = "/odense-kommune/people/michael-eskamp-witek/"
    assert alert_form(client, page)[1] == {
        "kind": "person",
        "municipality": "odense-kommune",
        "person": "michael-eskamp-witek",
        "schedule": "daily",
        "website": "",
    }
    subscription = sign_up(client, smtp_server, page, "jens@example.dk", "weekly")
    ingest(MINUTES_2019)  # he voted on items 1 and 7 of 5 March 2019
    assert smtp_server.messages == []

    monday = next_slot(subscription.checked_at, weekday=0)
    assert monday.weekday() == 0
    assert send_alerts("--now", at(monday - dt.timedelta(days=1))).strip() == NONE_DUE
    assert send_alerts("--now", at(monday)).startswith("alerts: 1 e-mails with 2 items or meetings sent")
    assert subjects(smtp_server) == ["Nyt om Michael Eskamp Witek, Odense Kommune (2)"]
    text = plain(smtp_server.messages[0])
    assert (
        "5. marts 2019 · Beskæftigelses- og Socialudvalget\n"
        "Punkt 1: Flytning af trygheds- og gadeplansmedarbejdere\n"
        "Udfald: anbefalet til byrådet\n"
        "Stemme: imod (ændringsforslaget)\n"
        f"{SITE}/odense-kommune/meetings/{BSU}/2019-03-05/1/\n"
    ) in text
    assert (
        "Punkt 7: Årlig godkendelse af sagsbehandlingstider, Beskæftigelses- og Socialforvaltningen 2019\n"
        "Udfald: godkendt\n"
        "Stemme: for (indstillingen)\n"
        f"{SITE}/odense-kommune/meetings/{BSU}/2019-03-05/7/\n"
    ) in text
    assert text.index("Punkt 1:") < text.index("Punkt 7:")
    # Sent for this week; the next Monday has nothing new.
    assert send_alerts("--now", at(monday + dt.timedelta(days=7))).strip() == (
        "alerts: 0 e-mails with 0 items or meetings sent, 1 subscriptions with nothing new, 0 failed"
    )
    assert len(smtp_server.messages) == 1


def test_minutes_published_again_are_news_once(ingested, client, smtp_server, write_minutes):
    """Minutes of 28 May 2024 published again (a new file) after one address began to follow
    the committee and a member absent from that meeting: one e-mail each, the meeting and the
    whole-meeting absence; published a third time, nothing (the ledger, AlertSent)."""
    committee = sign_up(client, smtp_server, BSU_PAGE, "lone@example.dk", "immediate")
    person = sign_up(
        client, smtp_server, "/odense-kommune/people/anne-mette-ebensgaard/", "lone@example.dk", "immediate"
    )
    assert (committee.kind, person.kind) == ("committee", "person")

    original = MINUTES_2024.read_bytes()
    # The same minutes with one byte more: another file (SHA-256), so the meeting is written again.
    output = ingest(write_minutes(MINUTES_2024.name, original + b"\n"))
    assert "meetings created 0, updated 1" in output
    assert "alerts: 2 e-mails with 2 items or meetings sent" in output
    assert subjects(smtp_server) == [
        "Nyt om Beskæftigelses- og Socialudvalget, Odense Kommune (1)",
        "Nyt om Anne-Mette Ebensgaard, Odense Kommune (1)",
    ]
    meeting_text, person_text = (plain(message) for message in smtp_server.messages)
    assert (
        "28. maj 2024 · Beskæftigelses- og Socialudvalget\n"
        "Referat:\n"
        "  1. Godkendelse af dagsorden – godkendt\n"
        "  2. Investeringsprojekt: Flere seniorer i beskæftigelse – anbefalet til byrådet\n"
    ) in meeting_text
    assert "  16. Temabesøg hos Kirkens Korshærs nye varmetue i Bolbro – taget til efterretning\n" in meeting_text
    assert f"{SITE}/odense-kommune/meetings/{BSU}/2024-05-28/\n" in meeting_text
    assert (
        "28. maj 2024 · Beskæftigelses- og Socialudvalget\n"
        "Fraværende fra hele mødet\n"
        f"{SITE}/odense-kommune/meetings/{BSU}/2024-05-28/\n"
    ) in person_text
    assert f'<a href="{SITE}/odense-kommune/meetings/{BSU}/2024-05-28/">Fraværende fra hele mødet</a>' in html_of(
        smtp_server.messages[1]
    )

    output = ingest(write_minutes(MINUTES_2024.name, original + b"\n\n"))
    assert "meetings created 0, updated 1" in output
    assert "alerts:" not in output
    assert len(smtp_server.messages) == 2
    assert sorted(AlertSent.objects.values_list("subscription__kind", "number", "kind")) == [
        ("committee", 0, "minutes"),
        ("person", 0, "minutes"),
    ]


def test_an_agenda_and_then_its_minutes_are_each_sent_once(ingested, client, smtp_server, write_minutes):
    """Ballerup's real Publication agenda (KMB IT-udvalget, 15 May 2013, 5 items), then the
    minutes of that meeting, then corrected minutes: a committee follower and a search follower
    hear of the agenda and of the decisions, once each. With two municipalities in the archive
    the e-mails name the municipality."""
    earlier = make_minutes(
        (1, "Meddelelser", "Taget til efterretning."), committee="KMB IT-udvalget", date="17-04-2013", term="2010-2013"
    )
    ingest_file(write_minutes("kmb_2013-04-17.txt", earlier), municipality="Ballerup Kommune")
    committee = sign_up(
        client, smtp_server, "/ballerup-kommune/meetings/kmb-it-udvalget/", "per@example.dk", "immediate"
    )
    search = sign_up(
        client, smtp_server, "/search/?q=SAPA&municipality=ballerup-kommune", "per@example.dk", "immediate"
    )
    assert search.search_filters == {"municipality": "ballerup-kommune"}

    assert "alerts: 2 e-mails with 2 items or meetings sent" in ingest(
        PUBLICATION_BALLERUP, "--municipality", "Ballerup Kommune"
    )
    assert subjects(smtp_server) == [
        "Nyt om KMB IT-udvalget, Ballerup Kommune (1)",
        "Nyt om søgningen “SAPA” (Ballerup Kommune) (1)",
    ]
    agenda_meeting, agenda_item = (plain(message) for message in smtp_server.messages)
    assert (
        "15. maj 2013 · KMB IT-udvalget, Ballerup Kommune\n"
        "Dagsorden:\n"
        "  1. Meddelelser\n"
        "  2. Oplæg til standard it-arbejdsplads for Kommunalbestyrelsens medlemmer i 2014-2018\n"
        "  3. Indførelse af systemet SAPA (Sagsoverblik/Partskontakt)\n"
        "  4. Regler for indkøb af it-udstyr\n"
        "  5. Status på eDagsorden\n"
        f"{SITE}/ballerup-kommune/meetings/kmb-it-udvalget/2013-05-15/\n"
    ) in agenda_meeting
    assert (
        "15. maj 2013 · KMB IT-udvalget, Ballerup Kommune\n"
        "Punkt 3: Indførelse af systemet SAPA (Sagsoverblik/Partskontakt)\n"
        "På dagsordenen (endnu ikke besluttet)\n"
        f"{SITE}/ballerup-kommune/meetings/kmb-it-udvalget/2013-05-15/3/\n"
    ) in agenda_item

    titles = [
        (1, "Meddelelser", "Taget til efterretning."),
        (2, "Oplæg til standard it-arbejdsplads for Kommunalbestyrelsens medlemmer i 2014-2018", "Godkendt."),
        (3, "Indførelse af systemet SAPA (Sagsoverblik/Partskontakt)", "Godkendt."),
        (4, "Regler for indkøb af it-udstyr", "Godkendt."),
        (5, "Status på eDagsorden", "Taget til efterretning."),
    ]
    minutes = make_minutes(*titles, committee="KMB IT-udvalget", date="15-05-2013", term="2010-2013")
    output = ingest(write_minutes("kmb_2013-05-15.txt", minutes), "--municipality", "Ballerup Kommune")
    assert "meetings created 0, updated 1" in output
    assert subjects(smtp_server)[2:] == [
        "Nyt om KMB IT-udvalget, Ballerup Kommune (1)",
        "Nyt om søgningen “SAPA” (Ballerup Kommune) (1)",
    ]
    minutes_meeting, minutes_item = (plain(message) for message in smtp_server.messages[2:])
    assert "Referat:\n  1. Meddelelser – taget til efterretning\n" in minutes_meeting
    assert "  5. Status på eDagsorden – taget til efterretning\n" in minutes_meeting
    assert "Punkt 3: Indførelse af systemet SAPA (Sagsoverblik/Partskontakt)\nUdfald: godkendt\n" in minutes_item

    corrected = minutes.replace(
        "Status på eDagsorden.\n\nBeslutning\n\nTaget", "Status på eDagsorden.\n\nBeslutning\n\nDrøftet og taget"
    )
    assert corrected != minutes
    output = ingest(write_minutes("kmb_2013-05-15.txt", corrected), "--municipality", "Ballerup Kommune")
    assert "meetings created 0, updated 1" in output
    assert len(smtp_server.messages) == 4
    assert sorted(AlertSent.objects.values_list("subscription_id", "number", "kind")) == [
        (committee.pk, 0, "agenda"),
        (committee.pk, 0, "minutes"),
        (search.pk, 3, "agenda"),
        (search.pk, 3, "minutes"),
    ]


def test_an_e_mail_lists_at_most_max_entries_and_links_to_the_rest(client, smtp_server, settings):
    """More news than ARCHIVE_ALERT_MAX_ENTRIES: the first ones, how many more, and the search
    page that has them all; the subject counts them all."""
    settings.ARCHIVE_ALERT_MAX_ENTRIES = 3
    for path in (MINUTES_2017, MINUTES_2019, MINUTES_2021):
        ingest_file(path)
    sign_up(client, smtp_server, f"/search/?q=ledighed&committee={BSU}", "mette@example.dk", "immediate")
    # "ledighed" (with its inflections, as the search page matches) in 8 items of 28 May 2024.
    assert "alerts: 1 e-mails with 8 items or meetings sent" in ingest(MINUTES_2024)
    assert subjects(smtp_server) == ["Nyt om søgningen “ledighed” (Beskæftigelses- og Socialudvalget) (8)"]
    text = plain(smtp_server.messages[0])
    assert re.findall(r"^Punkt (\d+):", text, re.MULTILINE) == ["2", "3", "4"]
    assert f"… og 5 mere: {SITE}/search/?q=ledighed&committee={BSU}\n" in text
    assert f'<a href="{SITE}/search/?q=ledighed&amp;committee={BSU}">… og 5 mere</a>' in html_of(
        smtp_server.messages[0]
    )
    # All eight are recorded as sent: the page has the rest, the next e-mail does not repeat them.
    assert AlertSent.objects.count() == 8


def test_ingest_with_no_alerts_leaves_them_to_send_alerts(ingested, client, smtp_server, write_minutes):
    sign_up(client, smtp_server, CASE_PAGE, "ida@example.dk", "immediate")
    minutes = bsu_minutes(write_minutes, "18-06-2024", (1, "Flere seniorer i beskæftigelse, status", "Godkendt."))
    assert "alerts:" not in ingest(minutes, "--no-alerts")
    assert smtp_server.messages == []
    assert send_alerts("--schedule", "immediate").startswith("alerts: 1 e-mails with 1 items or meetings sent")
    assert subjects(smtp_server) == [f"Nyt om sag {CASE}, Odense Kommune (1)"]


# --- Subscribing again, and forms that are refused ------------------------------------------------


def test_subscribing_again_resends_the_confirmation_or_says_it_is_followed_already(ingested, client, smtp_server):
    """Unconfirmed: the confirmation again, with the new schedule; confirmed: a note that it is
    followed already, the schedule left as it is (only the owner's page changes it). The answer
    on the site is the same redirect every time."""
    for schedule in ("daily", "weekly"):
        response = subscribe_on(client, CASE_PAGE, "ida@example.dk", schedule)
        assert (response.status_code, response["Location"]) == (302, "/alerts/sent/")
    assert subjects(smtp_server) == [f"Bekræft: besked om sag {CASE}, Odense Kommune"] * 2
    subscription = AlertSubscription.objects.get()
    assert subscription.schedule == "weekly"
    # Both links name the one subscription: the first e-mail's link confirms it.
    first, second = (link(message, "confirm") for message in smtp_server.messages)
    assert "(ugentligt)" in client.get(first).content.decode()
    confirmed_at = AlertSubscription.objects.get().confirmed_at
    # Following the link again changes nothing.
    assert client.get(second).status_code == 200
    assert AlertSubscription.objects.get().confirmed_at == confirmed_at

    response = subscribe_on(client, CASE_PAGE, "IDA@example.dk", "immediate")
    assert (response.status_code, response["Location"]) == (302, "/alerts/sent/")
    assert subjects(smtp_server)[2] == f"Du får allerede besked om sag {CASE}, Odense Kommune"
    already = smtp_server.messages[2]
    assert text_of(already).startswith(
        "Nogen, forhåbentlig dig, har bedt om at få besked fra Beslutningsarkivet om "
        f"sag {CASE}, Odense Kommune. Det får du allerede; intet er ændret."
    )
    assert links(already, "confirm") == []
    assert len(links(already, "manage")) == 1
    assert AlertSubscription.objects.get().schedule == "weekly"
    assert AlertAddress.objects.count() == 1


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-origin-no-referer"),
        pytest.param({"HTTP_ORIGIN": "https://evil.example"}, id="other-origin"),
        pytest.param({"HTTP_ORIGIN": "null"}, id="opaque-origin"),
        pytest.param({"HTTP_ORIGIN": "https://testserver"}, id="other-scheme"),
        pytest.param({"HTTP_REFERER": "https://evil.example/odense-kommune/"}, id="other-referer"),
        pytest.param({"HTTP_ORIGIN": SITE, "HTTP_SEC_FETCH_SITE": "cross-site"}, id="cross-site-fetch"),
        pytest.param({"HTTP_ORIGIN": SITE, "HTTP_SEC_FETCH_SITE": "same-site"}, id="same-site-fetch"),
    ],
)
def test_a_form_not_sent_from_this_site_is_refused(ingested, client, smtp_server, headers):
    data = {"kind": "case", "municipality": "odense-kommune", "number": CASE, "email": "ida@example.dk"}
    response = post_form(client, {**data, "schedule": "daily"}, **headers)
    assert response.status_code == 403
    assert "Formularen blev ikke modtaget" in response.content.decode()
    assert (AlertAddress.objects.count(), smtp_server.messages) == (0, [])


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"HTTP_ORIGIN": SITE}, id="origin"),
        pytest.param({"HTTP_ORIGIN": SITE, "HTTP_SEC_FETCH_SITE": "same-origin"}, id="same-origin-fetch"),
        pytest.param({"HTTP_ORIGIN": SITE, "HTTP_SEC_FETCH_SITE": "none"}, id="typed-by-the-user"),
        pytest.param({"HTTP_REFERER": f"{SITE}{CASE_PAGE}"}, id="referer-without-origin"),
    ],
)
def test_a_form_sent_from_this_site_is_taken(ingested, client, smtp_server, headers):
    data = {"kind": "case", "municipality": "odense-kommune", "number": CASE, "email": "ida@example.dk"}
    response = post_form(client, {**data, "schedule": "daily"}, **headers)
    assert (response.status_code, response["Location"]) == (302, "/alerts/sent/")
    assert len(smtp_server.messages) == 1


CASE_FORM = {"kind": "case", "municipality": "odense-kommune", "number": CASE, "schedule": "daily"}
NO_CASE = {"municipality": "", "number": ""}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"email": "ida@"}, "Skriv en gyldig e-mailadresse, fx navn@example.dk."),
        ({"email": ""}, "Dette felt er påkrævet."),
        (
            {"email": "ida@example.dk\r\nBcc: alle@example.dk"},
            "E-mailadressen må ikke indeholde mellemrum, linjeskift eller styretegn.",
        ),
        ({"email": "ida hansen@example.dk"}, "E-mailadressen må ikke indeholde mellemrum, linjeskift eller styretegn."),
        ({"schedule": "hourly"}, "Marker en gyldig valgmulighed. hourly er ikke en af de tilgængelige valgmuligheder."),
        ({"number": "99.99.99-A00-1-99"}, "Sagen findes ikke i arkivet."),
        ({"municipality": "ballerup-kommune"}, "Sagen findes ikke i arkivet."),
        ({"kind": "person", "person": "ingen-saadan-person"}, "Personen findes ikke i arkivet."),
        ({"kind": "committee", "committee": "okonomiudvalget"}, "Udvalget findes ikke i arkivet."),
        ({"kind": ""}, "Vælg en søgning, en sag, en person eller et udvalg at følge."),
        # A search (the case's municipality and number sent empty: the municipality is a search filter).
        ({**NO_CASE, "kind": "search", "q": "  "}, "Skriv et søgeord eller vælg et filter, før du beder om besked."),
        ({**NO_CASE, "kind": "search", "q": "-bedrageri"}, "Søgningen har kun ord med minus foran"),
        # A filter the search page cannot use is left out, as the page leaves it out: then nothing is left.
        (
            {**NO_CASE, "kind": "search", "q": "", "year": "sidste år"},
            "Skriv et søgeord eller vælg et filter, før du beder om besked.",
        ),
    ],
)
def test_an_invalid_form_is_answered_400_and_nothing_is_written_or_sent(ingested, client, smtp_server, change, message):
    data = {**CASE_FORM, "email": "ida@example.dk", "website": "", **change}
    response = post_form(client, data, **SAME_SITE)
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "Få besked på e-mail" in page
    assert message in page
    assert (AlertAddress.objects.count(), AlertSubscription.objects.count(), smtp_server.messages) == (0, 0, [])


def test_an_invalid_address_gets_the_form_back_to_correct(ingested, client, smtp_server):
    """The 400 page keeps the target and what was typed, so the visitor corrects and sends again."""
    response = post_form(client, {**CASE_FORM, "email": "ida@example", "schedule": "weekly"}, **SAME_SITE)
    assert response.status_code == 400
    parser = _AlertForm()
    parser.feed(response.content.decode())
    assert parser.fields == {
        "kind": "case",
        "municipality": "odense-kommune",
        "number": CASE,
        "schedule": "weekly",
        "website": "",
    }
    assert 'value="ida@example"' in response.content.decode()
    response = client.post(parser.action, {**parser.fields, "email": "ida@example.dk"}, **SAME_SITE)
    assert response.status_code == 302
    assert AlertSubscription.objects.get().schedule == "weekly"


def test_the_subscribe_page_offers_the_form_for_a_target(ingested, client, smtp_server):
    """GET /alerts/subscribe/ with a target's fields: a page with its form, which subscribes."""
    page = "/alerts/subscribe/?kind=person&municipality=odense-kommune&person=christoffer-lilleholt"
    response = client.get(page)
    assert response.status_code == 200
    assert "Få en e-mail, når der er nyt om Christoffer Lilleholt, Odense Kommune." in response.content.decode()
    assert subscribe_on(client, page, "ida@example.dk").status_code == 302
    assert subjects(smtp_server) == ["Bekræft: besked om Christoffer Lilleholt, Odense Kommune"]
    unknown = client.get("/alerts/subscribe/?kind=person&municipality=odense-kommune&person=ingen")
    assert unknown.status_code == 400
    assert "Personen findes ikke i arkivet." in unknown.content.decode()


def test_a_filled_honeypot_is_answered_as_usual_and_nothing_is_done(ingested, client, smtp_server):
    data = {**CASE_FORM, "email": "ida@example.dk", "website": "http://spam.example"}
    response = post_form(client, data, **SAME_SITE)
    assert (response.status_code, response["Location"]) == (302, "/alerts/sent/")
    assert (AlertAddress.objects.count(), smtp_server.messages) == (0, [])


def test_one_client_sends_at_most_the_ip_limit_of_forms_an_hour(ingested, client, smtp_server, settings):
    """ARCHIVE_ALERT_IP_LIMIT forms an hour from one IP address (valid or not, subscribe or
    "send me my link"); a refused cross-site POST does not count; another address is not limited."""
    settings.ARCHIVE_ALERT_IP_LIMIT = 3
    assert post_form(client, {**CASE_FORM, "email": "a@example.dk"}).status_code == 403
    assert post_form(client, {**CASE_FORM, "email": "a@example.dk"}, **SAME_SITE).status_code == 302
    assert post_form(client, {**CASE_FORM, "email": "b@example"}, **SAME_SITE).status_code == 400
    assert post_form(client, {**CASE_FORM, "email": "c@example.dk"}, **SAME_SITE).status_code == 302
    limited = post_form(client, {**CASE_FORM, "email": "d@example.dk"}, **SAME_SITE)
    assert limited.status_code == 429
    assert "For mange på én gang" in limited.content.decode()
    assert client.post("/alerts/manage/", {"email": "a@example.dk"}).status_code == 429
    assert sorted(AlertAddress.objects.values_list("email", flat=True)) == ["a@example.dk", "c@example.dk"]
    other = post_form(client, {**CASE_FORM, "email": "d@example.dk"}, REMOTE_ADDR="192.0.2.7", **SAME_SITE)
    assert other.status_code == 302
    assert len(smtp_server.messages) == 3


def test_one_address_gets_at_most_the_address_limit_of_e_mails_a_day(ingested, client, smtp_server):
    """ARCHIVE_ALERT_ADDRESS_LIMIT (5) e-mails a day to one address because forms named it,
    however it is spelt; past it, the same answer, and nothing written or sent."""
    cases = ["00.30.00-S00-1-24", "27.66.00-G01-1-23", "54.00.00-A00-3-24", "27.69.04-G01-1-23", "00.30.00-S00-11-19"]
    for number, spelling in zip(
        cases, ["ida@example.dk", "IDA@example.dk", "Ida@Example.dk", " ida@example.dk", "ida@EXAMPLE.DK"], strict=True
    ):
        response = post_form(client, {**CASE_FORM, "number": number, "email": spelling}, **SAME_SITE)
        assert response.status_code == 302
    sixth = post_form(client, {**CASE_FORM, "number": "15.00.00-G01-194-19", "email": "ida@example.dk"}, **SAME_SITE)
    assert (sixth.status_code, sixth["Location"]) == (302, "/alerts/sent/")
    assert len(smtp_server.messages) == 5
    assert sorted(AlertSubscription.objects.values_list("case__number", flat=True)) == sorted(cases)
    # "Send me my link" counts against the same limit.
    assert client.post("/alerts/manage/", {"email": "ida@example.dk"}).status_code == 302
    assert len(smtp_server.messages) == 5


# --- Ending, changing, and the address's own page ---------------------------------------------------


def test_unsubscribing_asks_on_get_and_ends_on_a_one_click_post(ingested, client, smtp_server):
    """The List-Unsubscribe URL: a GET (a link scanner, a person) shows a question and ends
    nothing; the RFC 8058 POST, from a mail program without cookie or CSRF token, ends it. The
    address goes with its last subscription."""
    subscribe_on(client, CASE_PAGE, "ida@example.dk", "daily")
    assert client.get(link(smtp_server.messages[0], "confirm")).status_code == 200
    subscribe_on(client, BSU_PAGE, "ida@example.dk", "weekly")
    case_link = unfolded_header(smtp_server.raw(0), "List-Unsubscribe").strip("<>").removeprefix(SITE)
    assert case_link == link(smtp_server.messages[0], "unsubscribe")
    committee_link = link(smtp_server.messages[1], "unsubscribe")

    question = client.get(case_link)
    assert question.status_code == 200
    assert f"Afmeld beskeder om sag {CASE}, Odense Kommune?" in question.content.decode()
    assert AlertSubscription.objects.count() == 2

    mail_program = Client(enforce_csrf_checks=True)
    one_click = mail_program.post(
        case_link, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert one_click.status_code == 200
    assert f"Du får ikke flere e-mails om sag {CASE}, Odense Kommune." in one_click.content.decode()
    assert list(AlertSubscription.objects.values_list("kind", flat=True)) == ["committee"]
    assert AlertAddress.objects.count() == 1

    again = mail_program.post(case_link, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert again.status_code == 200
    assert "Beskeden er allerede afmeldt." in again.content.decode()

    # The committee's subscription, never confirmed, ends the same way; the address goes with it.
    assert mail_program.post(committee_link).status_code == 200
    assert (AlertSubscription.objects.count(), AlertAddress.objects.count()) == (0, 0)


def test_the_address_page_changes_a_schedule_and_ends_one_or_all(ingested, smtp_server):
    """The link in every e-mail opens the address's own page (Django's CSRF token on its forms)."""
    browser = Client(enforce_csrf_checks=True)
    sign_up(browser, smtp_server, CASE_PAGE, "ida@example.dk", "daily")
    subscribe_on(browser, "/odense-kommune/people/tim-vermund/", "ida@example.dk", "immediate")
    subscribe_on(browser, BSU_PAGE, "ida@example.dk", "weekly")
    manage = link(smtp_server.messages[-1], "manage")

    page = browser.get(manage)
    assert page.status_code == 200
    content = page.content.decode()
    assert "Beskeder til ida@example.dk." in content
    rows = re.findall(r'<tr>\s*<td><a href="([^"]+)">([^<]+)</a></td>\s*<td>([^<]+)</td>', content)
    assert rows == [
        (CASE_PAGE, f"sag {CASE}, Odense Kommune", "bekræftet"),
        ("/odense-kommune/people/tim-vermund/", "Tim Vermund, Odense Kommune", "venter på bekræftelse"),
        (BSU_PAGE, "Beskæftigelses- og Socialudvalget, Odense Kommune", "venter på bekræftelse"),
    ]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', content).group(1)
    case, person, committee = AlertSubscription.objects.order_by("created_at", "pk")

    # Without the page's token: refused.
    assert browser.post(manage, {"subscription": case.pk, "schedule": "weekly"}).status_code == 403
    changed = browser.post(
        manage, {"csrfmiddlewaretoken": token, "subscription": case.pk, "action": "schedule", "schedule": "weekly"}
    )
    assert (changed.status_code, changed["Location"]) == (302, manage)
    assert AlertSubscription.objects.get(pk=case.pk).schedule == "weekly"

    # Another address's subscription is not this page's to change.
    other = sign_up(Client(), smtp_server, CASE_PAGE, "ole@example.dk", "daily")
    refused = browser.post(manage, {"csrfmiddlewaretoken": token, "subscription": other.pk, "action": "end"})
    assert refused.status_code == 400
    assert AlertSubscription.objects.filter(pk=other.pk).exists()

    ended = browser.post(manage, {"csrfmiddlewaretoken": token, "subscription": person.pk, "action": "end"})
    assert (ended.status_code, ended["Location"]) == (302, manage)
    assert set(AlertSubscription.objects.filter(address__email="ida@example.dk")) == {case, committee}

    all_ended = browser.post(manage, {"csrfmiddlewaretoken": token, "action": "end-all"})
    assert all_ended.status_code == 200
    assert "Alle dine beskeder er afmeldt, og din adresse er slettet fra arkivet." in all_ended.content.decode()
    assert list(AlertAddress.objects.values_list("email", flat=True)) == ["ole@example.dk"]
    # The page's link names an address that is gone.
    assert browser.get(manage).status_code == 404


def test_a_new_link_to_the_address_page_is_e_mailed_on_request(ingested, smtp_server):
    """/alerts/manage/ asks for an address and e-mails a fresh link if it follows anything; the
    answer is the same either way. That e-mail's unsubscribe link ends everything."""
    browser = Client(enforce_csrf_checks=True)
    sign_up(browser, smtp_server, CASE_PAGE, "ida@example.dk", "daily")
    sign_up(browser, smtp_server, BSU_PAGE, "ida@example.dk", "weekly")

    form = browser.get("/alerts/manage/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    for email in ("nobody@example.dk", "Ida@Example.dk"):
        response = browser.post("/alerts/manage/", {"csrfmiddlewaretoken": token, "email": email, "website": ""})
        assert (response.status_code, response["Location"]) == (302, "/alerts/sent/")
    assert smtp_server.envelopes == [("besked@arkiv.test", ["ida@example.dk"])]
    assert subjects(smtp_server) == ["Dine beskeder fra Beslutningsarkivet"]
    message = smtp_server.messages[0]
    manage = link(message, "manage")
    assert "(det virker i 30 dage)" in text_of(message)
    assert "Beskeder til ida@example.dk." in browser.get(manage).content.decode()

    (end_all,) = re.findall(rf"{SITE}(/alerts/end-all/[\w:-]+/)", text_of(message))
    assert unfolded_header(smtp_server.raw(0), "List-Unsubscribe") == f"<{SITE}{end_all}>"
    question = browser.get(end_all)
    assert "Afmeld alle dine 2 beskeder og slet din adresse fra arkivet?" in question.content.decode()
    assert AlertSubscription.objects.count() == 2
    assert (
        browser.post(
            end_all, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
        ).status_code
        == 200
    )
    assert (AlertSubscription.objects.count(), AlertAddress.objects.count()) == (0, 0)
    assert "Beskeden er allerede afmeldt." in browser.post(end_all).content.decode()


def _old_link(kind: str, salt: str, pk: int, nonce: str, age: dt.timedelta) -> str:
    """The link the archive's own signing made `age` ago (Django's TimestampSigner, its clock set back)."""

    class Earlier(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time() - age.total_seconds()))

    return f"/alerts/{kind}/{Earlier(salt=salt).sign_object([pk, nonce])}/"


@pytest.mark.parametrize(
    ("kind", "salt", "of_address", "age", "works"),
    [
        # Confirmation links work for 7 days (subscriptions.UNCONFIRMED_DAYS).
        ("confirm", _CONFIRM_SALT, False, dt.timedelta(days=6, hours=23), True),
        ("confirm", _CONFIRM_SALT, False, dt.timedelta(days=7, minutes=1), False),
        # Links to the address's page for ARCHIVE_ALERT_LINK_DAYS (30).
        ("manage", _MANAGE_SALT, True, dt.timedelta(days=29), True),
        ("manage", _MANAGE_SALT, True, dt.timedelta(days=30, minutes=1), False),
        # Unsubscribe links never expire: RFC 8058 one-click must work from an old e-mail.
        ("unsubscribe", _UNSUBSCRIBE_SALT, False, dt.timedelta(days=3650), True),
        ("end-all", _END_ALL_SALT, True, dt.timedelta(days=3650), True),
    ],
)
def test_links_expire_as_the_e_mails_say(ingested, client, smtp_server, kind, salt, of_address, age, works):
    subscribe_on(client, CASE_PAGE, "ida@example.dk", "daily")
    subscription = AlertSubscription.objects.select_related("address").get()
    signed_by = subscription.address if of_address else subscription
    path = _old_link(kind, salt, signed_by.pk, signed_by.nonce, age)
    response = client.get(path)
    if kind in ("unsubscribe", "end-all"):
        # Their GET asks and ends nothing; for a link that named nothing it would say "ended already".
        assert response.status_code == 200
        assert "<h1>Afmeld</h1>" in response.content.decode()
        assert "allerede afmeldt" not in response.content.decode()
        assert AlertSubscription.objects.count() == 1
        return
    assert response.status_code == (200 if works else 404)
    assert ("Linket virker ikke" in response.content.decode()) is not works
    if kind == "confirm":
        assert (AlertSubscription.objects.get().confirmed_at is not None) is works


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"), id="signature"),
        pytest.param(lambda token: "x" + token, id="payload"),
        pytest.param(lambda token: "", id="empty"),
    ],
)
def test_a_tampered_confirmation_link_confirms_nothing(ingested, client, smtp_server, tamper):
    subscribe_on(client, CASE_PAGE, "ida@example.dk", "daily")
    token = link(smtp_server.messages[0], "confirm").split("/")[3]
    response = client.get(f"/alerts/confirm/{tamper(token)}/")
    assert response.status_code == 404
    assert AlertSubscription.objects.get().confirmed_at is None


# --- When the mail server fails, and what send_alerts tidies up --------------------------------------


def test_a_refused_alert_is_sent_at_the_next_run_and_the_others_go_out(ingested, client, smtp_server, write_minutes):
    """The mail server refuses one e-mail (451): that subscription is left as it was and sent
    at the next run, the other goes out meanwhile; send_alerts exits with CommandError."""
    first = sign_up(client, smtp_server, CASE_PAGE, "ida@example.dk", "immediate")
    second = sign_up(client, smtp_server, CASE_PAGE, "ole@example.dk", "immediate")
    assert first.pk < second.pk  # due ones are sent in pk order: the first is refused
    ingest(
        bsu_minutes(write_minutes, "18-06-2024", (1, "Flere seniorer i beskæftigelse, status", "Godkendt.")),
        "--no-alerts",
    )

    smtp_server.refuse(1)
    with pytest.raises(CommandError, match="1 e-mails were not accepted by the mail server"):
        send_alerts()
    assert smtp_server.envelopes == [("besked@arkiv.test", ["ole@example.dk"])]
    assert AlertSent.objects.filter(subscription=first).count() == 0
    assert AlertSubscription.objects.get(pk=first.pk).last_sent_at is None

    assert send_alerts().startswith("alerts: 1 e-mails with 1 items or meetings sent, 1 subscriptions with nothing new")
    assert smtp_server.envelopes[1] == ("besked@arkiv.test", ["ida@example.dk"])
    assert subjects(smtp_server) == [f"Nyt om sag {CASE}, Odense Kommune (1)"] * 2
    assert (
        send_alerts().strip()
        == "alerts: 0 e-mails with 0 items or meetings sent, 2 subscriptions with nothing new, 0 failed"
    )
    assert len(smtp_server.messages) == 2


def test_ingest_reports_a_refused_alert_and_still_succeeds(ingested, client, smtp_server, write_minutes):
    sign_up(client, smtp_server, CASE_PAGE, "ida@example.dk", "immediate")
    smtp_server.refuse(1)
    output = ingest(
        bsu_minutes(write_minutes, "18-06-2024", (1, "Flere seniorer i beskæftigelse, status", "Godkendt."))
    )
    assert "meetings created 1, updated 0, unchanged 0, failed 0" in output
    assert "alerts: 0 e-mails with 0 items or meetings sent, 0 subscriptions with nothing new, 1 failed" in output
    assert smtp_server.messages == []
    assert send_alerts().startswith("alerts: 1 e-mails with 1 items or meetings sent")
    assert subjects(smtp_server) == [f"Nyt om sag {CASE}, Odense Kommune (1)"]


def test_a_refused_confirmation_is_sent_by_the_next_run(ingested, client, smtp_server):
    smtp_server.refuse(1)
    response = subscribe_on(client, CASE_PAGE, "ida@example.dk", "daily")
    assert (response.status_code, response["Location"]) == (302, "/alerts/sent/")
    assert smtp_server.messages == []
    assert AlertSubscription.objects.get().confirmation_sent_at is None

    smtp_server.refuse(1)
    with pytest.raises(CommandError, match="1 e-mails were not accepted"):
        send_alerts()
    assert smtp_server.messages == []

    assert "confirmations sent again 1, failed 0" in send_alerts()
    assert subjects(smtp_server) == [f"Bekræft: besked om sag {CASE}, Odense Kommune"]
    assert client.get(link(smtp_server.messages[0], "confirm")).status_code == 200
    assert AlertSubscription.objects.get().confirmed_at is not None
    # Sent once: the next run sends no confirmation again.
    assert "confirmations" not in send_alerts()
    assert len(smtp_server.messages) == 1


def test_a_subscription_left_unconfirmed_for_seven_days_is_deleted(ingested, client, smtp_server):
    subscribe_on(client, CASE_PAGE, "ida@example.dk", "daily")
    sign_up(client, smtp_server, BSU_PAGE, "ole@example.dk", "daily")
    created = AlertSubscription.objects.get(address__email="ida@example.dk").created_at

    assert "deleted" not in send_alerts("--now", at(created + dt.timedelta(days=6, hours=23)))
    assert AlertSubscription.objects.count() == 2
    output = send_alerts("--now", at(created + dt.timedelta(days=7, minutes=2)))
    assert "unconfirmed subscriptions deleted 1" in output
    # The address followed nothing else: it is gone; a confirmed subscription stays.
    assert list(AlertAddress.objects.values_list("email", flat=True)) == ["ole@example.dk"]
    assert AlertSubscription.objects.get().kind == "committee"


def test_a_confirmation_sent_again_works_for_the_seven_days_it_promises(ingested, client, smtp_server):
    """The form sent again for a subscription not yet confirmed sends the confirmation again,
    whose e-mail says its link works for 7 days; the subscription must live that long."""
    subscribe_on(client, CASE_PAGE, "ida@example.dk", "daily")
    # The first form was sent six days ago (the view reads the clock; the row keeps when).
    six_days_ago = timezone.now() - dt.timedelta(days=6)
    AlertSubscription.objects.update(created_at=six_days_ago, confirmation_sent_at=six_days_ago)

    subscribe_on(client, CASE_PAGE, "ida@example.dk", "daily")
    again = smtp_server.messages[1]
    assert "Bekræft ved at følge dette link (det virker i 7 dage):" in text_of(again)
    sent_again = timezone.now()

    # The timer's run two days later: the link of two days ago must still confirm.
    send_alerts("--now", at(sent_again + dt.timedelta(days=2)))
    confirmed = client.get(link(again, "confirm"))
    assert confirmed.status_code == 200, (
        "deleted 7 days after the first form, 2 days after its confirmation was sent again"
    )
    assert AlertSubscription.objects.get().confirmed_at is not None


# --- What the e-mails and pages may and may not carry -------------------------------------------------


def test_a_search_s_words_are_escaped_in_the_html_part_and_kept_on_one_line_in_the_subject(
    ingested, client, smtp_server
):
    page = "/search/?" + urlencode({"q": 'bedrageri "<b>socialt</b>"'})
    response = subscribe_on(client, page, "ida@example.dk", "daily")
    assert response.status_code == 302
    (message,) = smtp_server.messages
    assert subjects(smtp_server) == ['Bekræft: besked om søgningen “bedrageri "<b>socialt</b>"”']
    assert 'om søgningen “bedrageri "<b>socialt</b>"”.' in text_of(message)
    assert "om søgningen “bedrageri &quot;&lt;b&gt;socialt&lt;/b&gt;&quot;”." in html_of(message)
    assert "<b>" not in html_of(message)
    # The pages that name the search escape it too.
    escaped = "søgningen “bedrageri &quot;&lt;b&gt;socialt&lt;/b&gt;&quot;”"
    assert escaped in client.get(link(message, "confirm")).content.decode()
    assert escaped in client.get(link(message, "manage")).content.decode()
    assert escaped in client.get(link(message, "unsubscribe")).content.decode()


def test_the_form_works_from_a_page_served_from_the_page_cache(ingested, smtp_server, page_cache):
    """The pages are cached whole for every visitor, so the form has no per-visitor token: a
    visitor without any cookie, served the cached page, subscribes."""
    first, second = Client(), Client()
    assert first.get(CASE_PAGE).content == second.get(CASE_PAGE).content
    assert len(caches["pages"]._cache) == 1  # the case page, kept whole (as tests/test_caching.py counts)
    assert "csrfmiddlewaretoken" not in second.get(CASE_PAGE).content.decode()
    response = subscribe_on(second, CASE_PAGE, "ida@example.dk", "daily")
    assert (response.status_code, response["Location"]) == (302, "/alerts/sent/")
    assert len(smtp_server.messages) == 1
    # The alerts' own answers are never kept, by this cache or any other.
    assert "no-store" in second.get("/alerts/sent/")["Cache-Control"]
    assert len(caches["pages"]._cache) == 1
