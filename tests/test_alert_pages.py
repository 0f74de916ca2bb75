"""The e-mail alerts' web side (issue 18): the subscribe form's rate limits, answers that tell no
one who follows what, the origin check that stands in for a CSRF token, hostile input in every
field, the signed links' pages (confirm, unsubscribe, end all, an address's own page), privacy
in the admin, and HTTP caching of the pages that carry the form.

decisions/views/alerts.py, decisions/alerts/forms.py, subscriptions.py, targets.py,
decisions/admin/alerts.py and decisions/caching.py, through Django's test client, with the e-mails
going through a real SMTP server on 127.0.0.1 (tests/smtp.py) and the four real Odense minutes in
the archive (tests/conftest.py, `ingested`)."""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from decisions.alerts import subscriptions
from decisions.models import AlertAddress, AlertSubscription, Case, Person
from tests.conftest import ODENSE
from tests.smtp import html_of, text_of

pytestmark = pytest.mark.django_db

# The Django test client's own site, as a browser on one of the archive's pages names it.
SITE = "http://testserver"
ORIGIN = {"HTTP_ORIGIN": SITE}
COMMITTEE = "beskaeftigelses-og-socialudvalget"
# Facts of the fixtures: item 1 of 28 March 2017, "Investeringsprojekter", is case
# 15.00.00-G01-193-17; Reza Javid voted in 2017 and 2019; the four minutes are all this committee's.
CASE_NUMBER = "15.00.00-G01-193-17"
SEARCH = {"kind": "search", "q": "ledighed"}
CASE = {"kind": "case", "municipality": ODENSE, "number": CASE_NUMBER}
PERSON = {"kind": "person", "municipality": ODENSE, "person": "reza-javid"}
COMMITTEE_TARGET = {"kind": "committee", "municipality": ODENSE, "committee": COMMITTEE}
# How decisions.alerts.targets.describe names them (the e-mails' subjects and the pages).
SEARCH_TEXT = "søgningen “ledighed”"
CASE_TEXT = f"sag {CASE_NUMBER}, Odense Kommune"
PERSON_TEXT = "Reza Javid, Odense Kommune"
COMMITTEE_TEXT = "Beskæftigelses- og Socialudvalget, Odense Kommune"

SENT_PAGE = "Hvis adressen kan modtage e-mail, har vi sendt en besked til den."
LIMITED_PAGE = "Der er sendt mange formularer herfra den seneste time. Prøv igen om en time."
REFUSED_PAGE = "Formularen kom ikke fra en side i arkivet."
INVALID_LINK_PAGE = "Linket er udløbet eller ikke gyldigt, eller beskeden findes ikke længere."
GONE_PAGE = "Beskeden er allerede afmeldt. Du får ikke flere e-mails om den."
ALL_ENDED_PAGE = "Alle dine beskeder er afmeldt, og din adresse er slettet fra arkivet."
LINK_FORM = 'action="/alerts/manage/"'  # the form asking for a new link to an address's page


@pytest.fixture
def archive(ingested, request):
    """The real minutes in the archive and a real SMTP server to send to (tests/smtp.py)."""
    return request.getfixturevalue("smtp_server")


def subscribe(client, email="anna@example.com", target=SEARCH, schedule="daily", headers=ORIGIN, **fields):
    """POST the subscribe form as a browser on one of the archive's pages does."""
    data = {**target, "email": email, "schedule": schedule, "website": "", **fields}
    return client.post("/alerts/subscribe/", data, **headers)


def stored() -> list[tuple]:
    """Every address and what it follows, how often, and whether confirmed."""
    rows = AlertSubscription.objects.values_list("address__email", "target", "schedule", "confirmed_at")
    return sorted((email, target, schedule, when is None) for email, target, schedule, when in rows) + sorted(
        (email, "address") for email in AlertAddress.objects.values_list("email", flat=True)
    )


def subject(message) -> str:
    return str(message["Subject"]).strip()


def link(message, route: str) -> str:
    """The path of the /alerts/<route>/<token>/ link in an e-mail's text."""
    return re.search(rf"{SITE}(/alerts/{route}/[^/\s]+/)", text_of(message)).group(1)


def confirmed(client, smtp, email="anna@example.com", target=SEARCH, schedule="daily") -> AlertSubscription:
    """A subscription made and confirmed the way a visitor does: the form, then the e-mailed link."""
    before = len(smtp.messages)
    assert subscribe(client, email, target, schedule).status_code == 302
    assert client.get(link(smtp.messages[before], "confirm")).status_code == 200
    return AlertSubscription.objects.get(address__email=email, confirmed_at__isnull=False, kind=target["kind"])


def header_lines(raw: bytes) -> list[tuple[str, str]]:
    """The raw header block's fields (name, unfolded value), as a mail server reads them."""
    block = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0].decode("ascii")
    fields: list[list[str]] = []
    for line in block.split("\n"):
        if line[:1] in (" ", "\t"):
            fields[-1][1] += line
        else:
            name, _, value = line.partition(":")
            fields.append([name, value.strip()])
    return [(name, value) for name, value in fields]


class Forms(HTMLParser):
    """The forms of a page: action, method and the fields a browser would send."""

    def __init__(self, html: str):
        super().__init__()
        self.forms: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action"), "method": a.get("method"), "class": a.get("class"), "f": []})
        elif tag == "input" and self.forms and a.get("name"):
            if a.get("type") == "radio" and "checked" not in a:
                return
            self.forms[-1]["f"].append((a.get("type"), a["name"], a.get("value", "")))


def alert_form(html: str) -> dict:
    (form,) = [f for f in Forms(html).forms if f["action"] == "/alerts/subscribe/"]
    return form


# --- 1. Rate limits ----------------------------------------------------------------------------


def test_the_fourth_form_in_an_hour_from_one_ip_is_refused_and_another_ip_is_not(client, archive, settings):
    settings.ARCHIVE_ALERT_IP_LIMIT = 3
    for n in range(3):
        assert subscribe(client, f"person{n}@example.com").status_code == 302
    assert len(archive.messages) == 3
    before = stored()
    refused = subscribe(client, "person3@example.com")
    assert refused.status_code == 429
    html = refused.content.decode()
    assert LIMITED_PAGE in html and 'lang="da"' in html
    assert (len(archive.messages), stored()) == (3, before)  # nothing sent, nothing written
    # The limit is per client IP address: REMOTE_ADDR, as X-Forwarded-For is anyone's claim
    # unless the archive runs behind its one proxy (archive.logins.client_ip).
    settings.ARCHIVE_BEHIND_PROXY = False
    assert (
        subscribe(client, "person3@example.com", headers={**ORIGIN, "HTTP_X_FORWARDED_FOR": "192.0.2.9"}).status_code
        == 429
    )
    other = subscribe(client, "person3@example.com", headers={**ORIGIN, "REMOTE_ADDR": "192.0.2.7"})
    assert (other.status_code, other["Location"]) == (302, "/alerts/sent/")
    assert archive.envelopes[-1][1] == ["person3@example.com"]
    assert len(archive.messages) == 4
    # Behind the proxy, the address it appends is the client's.
    settings.ARCHIVE_BEHIND_PROXY = True
    proxied = {**ORIGIN, "REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.5, 192.0.2.7"}
    assert subscribe(client, "person4@example.com", headers=proxied).status_code == 302
    assert subscribe(client, "person5@example.com", headers=proxied).status_code == 302
    assert subscribe(client, "person6@example.com", headers=proxied).status_code == 429  # 192.0.2.7's fourth
    assert len(archive.messages) == 6


def test_asking_for_a_manage_link_counts_against_the_ip_limit(client, archive, settings):
    settings.ARCHIVE_ALERT_IP_LIMIT = 3
    assert subscribe(client, "anna@example.com").status_code == 302
    assert subscribe(client, "bo@example.com").status_code == 302
    assert client.post("/alerts/manage/", {"email": "anna@example.com"}).status_code == 302
    assert len(archive.messages) == 3  # two confirmations and the link to anna's page
    limited = client.post("/alerts/manage/", {"email": "anna@example.com"})
    assert (limited.status_code, LIMITED_PAGE in limited.content.decode()) == (429, True)
    assert subscribe(client, "carl@example.com").status_code == 429
    assert len(archive.messages) == 3


def test_an_address_gets_at_most_its_limit_of_emails_whatever_the_form_says(client, archive, settings):
    settings.ARCHIVE_ALERT_ADDRESS_LIMIT = 2
    first = subscribe(client, "anna@example.com", SEARCH)
    assert subscribe(client, "anna@example.com", CASE).status_code == 302
    assert [subject(m) for m in archive.messages] == [
        f"Bekræft: besked om {SEARCH_TEXT}",
        f"Bekræft: besked om {CASE_TEXT}",
    ]
    before = stored()
    # Over the limit (the address as typed differently is still the same address): the same
    # answer, and nothing sent and nothing written, neither a new target nor the same again.
    for target, email in ((PERSON, "ANNA@Example.com"), (SEARCH, "anna@example.com")):
        again = subscribe(client, email, target)
        assert (again.status_code, again["Location"], again.content) == (302, "/alerts/sent/", first.content)
    assert (len(archive.messages), stored()) == (2, before)
    # Another address is not affected.
    assert subscribe(client, "bo@example.com", PERSON).status_code == 302
    assert (archive.envelopes[-1][1], subject(archive.messages[-1])) == (
        ["bo@example.com"],
        f"Bekræft: besked om {PERSON_TEXT}",
    )


def test_a_manage_link_counts_against_the_address_limit(client, archive, settings):
    settings.ARCHIVE_ALERT_ADDRESS_LIMIT = 2
    assert subscribe(client, "anna@example.com", SEARCH).status_code == 302
    asked = client.post("/alerts/manage/", {"email": "anna@example.com"})
    assert (asked.status_code, asked["Location"]) == (302, "/alerts/sent/")
    assert [subject(m) for m in archive.messages][1] == "Dine beskeder fra Beslutningsarkivet"
    before = stored()
    assert subscribe(client, "anna@example.com", CASE)["Location"] == "/alerts/sent/"
    assert client.post("/alerts/manage/", {"email": "anna@example.com"})["Location"] == "/alerts/sent/"
    assert (len(archive.messages), stored()) == (2, before)


# --- 2. No enumeration -------------------------------------------------------------------------


def test_the_answer_is_the_same_whoever_the_address_is_and_only_the_mail_differs(client, archive, settings):
    settings.ARCHIVE_ALERT_ADDRESS_LIMIT = 2
    # Before: one unconfirmed, one confirmed (daily), one with its two e-mails of the day used.
    assert subscribe(client, "venter@example.com", SEARCH, "daily").status_code == 302
    fast = confirmed(client, archive, "fast@example.com", SEARCH, "daily")
    assert subscribe(client, "mange@example.com", CASE).status_code == 302
    assert subscribe(client, "mange@example.com", PERSON).status_code == 302
    archive.clear()
    before = stored()

    answers = {}
    for email, website in (
        ("ny@example.com", ""),
        ("venter@example.com", ""),
        ("fast@example.com", ""),
        ("mange@example.com", ""),
        ("robot@example.com", "http://spam.example/"),  # the honeypot a program fills in
    ):
        response = subscribe(client, email, SEARCH, "weekly", website=website)
        followed = client.get(response["Location"])
        answers[email] = (
            response.status_code,
            response["Location"],
            response.content,
            sorted(response.headers),
            dict(response.cookies),
            followed.status_code,
            followed.content,
        )
    assert len(set(map(repr, answers.values()))) == 1, answers
    assert answers["ny@example.com"][:2] == (302, "/alerts/sent/")
    assert SENT_PAGE in answers["ny@example.com"][-1].decode()

    # What each caused: a confirmation, the confirmation again, "already", nothing, nothing.
    assert [(m["To"], subject(m)) for m in archive.messages] == [
        ("ny@example.com", f"Bekræft: besked om {SEARCH_TEXT}"),
        ("venter@example.com", f"Bekræft: besked om {SEARCH_TEXT}"),
        ("fast@example.com", f"Du får allerede besked om {SEARCH_TEXT}"),
    ]
    already = archive.messages[2]
    assert "Det får du allerede; intet er ændret." in text_of(already)
    page = client.get(link(already, "manage"))
    assert page.status_code == 200 and SEARCH_TEXT in page.content.decode()
    # Its unsubscribe link is the confirmed subscription's own (tokens carry their second of
    # signing, so they are compared by what they name).
    assert subscriptions.subscription_to_end(link(already, "unsubscribe").split("/")[3]) == fast
    # Written: the new address; the unconfirmed one takes the schedule it was asked for again;
    # the confirmed one keeps its own (only its owner changes it, on their page); no robot.
    case, person = Case.objects.get(number=CASE_NUMBER).pk, Person.objects.get(slug="reza-javid").pk
    assert before == [
        ("fast@example.com", "search:q=ledighed", "daily", False),
        ("mange@example.com", f"case:{case}", "daily", True),
        ("mange@example.com", f"person:{person}", "daily", True),
        ("venter@example.com", "search:q=ledighed", "daily", True),
        ("fast@example.com", "address"),
        ("mange@example.com", "address"),
        ("venter@example.com", "address"),
    ]
    assert stored() == [
        ("fast@example.com", "search:q=ledighed", "daily", False),
        ("mange@example.com", f"case:{case}", "daily", True),
        ("mange@example.com", f"person:{person}", "daily", True),
        ("ny@example.com", "search:q=ledighed", "weekly", True),
        ("venter@example.com", "search:q=ledighed", "weekly", True),
        ("fast@example.com", "address"),
        ("mange@example.com", "address"),
        ("ny@example.com", "address"),
        ("venter@example.com", "address"),
    ]
    fast.refresh_from_db()
    assert (fast.schedule, fast.confirmed_at is not None) == ("daily", True)


def test_asking_for_a_manage_link_answers_the_same_for_a_known_and_an_unknown_address(client, archive):
    assert subscribe(client, "anna@example.com").status_code == 302
    archive.clear()
    known = client.post("/alerts/manage/", {"email": "anna@example.com"})
    unknown = client.post("/alerts/manage/", {"email": "ukendt@example.com"})
    robot = client.post("/alerts/manage/", {"email": "anna@example.com", "website": "x"})
    for response in (known, unknown, robot):
        assert (response.status_code, response["Location"], response.content) == (302, "/alerts/sent/", b"")
        assert dict(response.cookies) == dict(known.cookies)
    assert client.get(known["Location"]).content == client.get(unknown["Location"]).content
    # Only the known address got the link (once), and nothing is written for the unknown one.
    assert [(m["To"], subject(m)) for m in archive.messages] == [
        ("anna@example.com", "Dine beskeder fra Beslutningsarkivet")
    ]
    assert not AlertAddress.objects.filter(email="ukendt@example.com").exists()
    manage_path = link(archive.messages[0], "manage")
    assert client.get(manage_path).status_code == 200
    message = archive.messages[0]
    assert str(message["List-Unsubscribe"]).strip() == f"<{SITE}{link(message, 'end-all')}>"
    assert str(message["List-Unsubscribe-Post"]).strip() == "List-Unsubscribe=One-Click"


# --- 3. CSRF and origin ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 403),  # neither Origin nor Referer: not known to come from one of our pages
        ({"HTTP_ORIGIN": "http://evil.example"}, 403),
        ({"HTTP_ORIGIN": "null"}, 403),
        ({"HTTP_ORIGIN": "https://testserver"}, 403),  # another scheme is another origin
        ({"HTTP_ORIGIN": "http://testserver.evil.example"}, 403),
        ({"HTTP_REFERER": "http://evil.example/search/?q=ledighed"}, 403),
        ({"HTTP_REFERER": "/search/?q=ledighed"}, 403),  # no scheme: not a browser's Referer
        ({"HTTP_ORIGIN": "http://evil.example", "HTTP_REFERER": f"{SITE}/search/"}, 403),  # Origin decides
        ({**ORIGIN, "HTTP_SEC_FETCH_SITE": "cross-site"}, 403),
        ({**ORIGIN, "HTTP_SEC_FETCH_SITE": "same-site"}, 403),
        ({"HTTP_REFERER": f"{SITE}/search/?q=ledighed", "HTTP_SEC_FETCH_SITE": "cross-site"}, 403),
        (ORIGIN, 302),
        ({**ORIGIN, "HTTP_SEC_FETCH_SITE": "same-origin"}, 302),
        ({"HTTP_REFERER": f"{SITE}/search/?q=ledighed"}, 302),  # older browsers send no Origin
        ({"HTTP_REFERER": f"{SITE}/search/?q=ledighed", "HTTP_SEC_FETCH_SITE": "none"}, 302),
    ],
)
def test_the_subscribe_form_is_taken_only_from_the_archives_own_pages(client, archive, headers, status):
    response = subscribe(client, "anna@example.com", headers=headers)
    assert response.status_code == status
    if status == 403:
        assert REFUSED_PAGE in response.content.decode()
        assert (stored(), archive.messages) == ([], [])
    else:
        assert response["Location"] == "/alerts/sent/"
        assert [m["To"] for m in archive.messages] == ["anna@example.com"]


def test_the_address_page_and_the_link_form_need_djangos_csrf_token(archive):
    browser = Client(enforce_csrf_checks=True)
    subscription = confirmed(browser, archive, "anna@example.com", SEARCH, "daily")
    page_url = f"/alerts/manage/{subscriptions.manage_token(subscription.address)}/"
    page = browser.get(page_url)
    change = {"subscription": subscription.pk, "action": "schedule", "schedule": "weekly"}
    # Without the token (another site's page posting into a visitor's browser, which sends
    # the visitor's CSRF cookie but cannot read the token): refused.
    assert browser.cookies["csrftoken"].value
    assert browser.post(page_url, change).status_code == 403
    assert Client(enforce_csrf_checks=True).post(page_url, change).status_code == 403
    subscription.refresh_from_db()
    assert subscription.schedule == "daily"
    for action in ("end", "end-all"):
        assert Client(enforce_csrf_checks=True).post(page_url, {**change, "action": action}).status_code == 403
    assert AlertSubscription.objects.filter(pk=subscription.pk).exists()
    # With the token of the page as served: done.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    done = browser.post(page_url, {**change, "csrfmiddlewaretoken": token})
    assert (done.status_code, done["Location"]) == (302, page_url)
    subscription.refresh_from_db()
    assert subscription.schedule == "weekly"
    # The form asking for a new link is Django-protected too.
    archive.clear()
    assert Client(enforce_csrf_checks=True).post("/alerts/manage/", {"email": "anna@example.com"}).status_code == 403
    assert archive.messages == []


def test_one_click_unsubscribe_needs_no_csrf_token(archive):
    # RFC 8058: the mail program POSTs to the List-Unsubscribe URL without any cookie.
    subscription = confirmed(Client(), archive)
    url = f"/alerts/unsubscribe/{subscriptions.unsubscribe_token(subscription)}/"
    ended = Client(enforce_csrf_checks=True).post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert ended.status_code == 200
    assert f"Du får ikke flere e-mails om {SEARCH_TEXT}." in ended.content.decode()
    assert stored() == []


# --- 4. Hostile input --------------------------------------------------------------------------


REFUSED_INPUT = [
    # (what, the form's fields over a good search subscription, the Danish message)
    ("crlf bcc", {"email": "anna@example.com\r\nBcc: evil@example.com"}, "mellemrum, linjeskift eller styretegn"),
    ("lf bcc", {"email": "anna@example.com\nBcc: evil@example.com"}, "mellemrum, linjeskift eller styretegn"),
    ("lf inside", {"email": "anna\n@example.com"}, "mellemrum, linjeskift eller styretegn"),
    ("cr only", {"email": "anna@example.com\rbcc:evil@example.com"}, "mellemrum, linjeskift eller styretegn"),
    ("two addresses", {"email": "anna@example.com,evil@example.com"}, "Skriv en gyldig e-mailadresse"),
    ("space", {"email": "anna@example.com evil@example.com"}, "mellemrum, linjeskift eller styretegn"),
    ("nul", {"email": "anna@exa\x00mple.com"}, "Null-tegn er ikke tilladte."),
    ("long", {"email": "a" * 250 + "@example.com"}, "E-mailadressen er for lang."),
    ("very long", {"email": "a" * 5000 + "@example.com"}, "Denne værdi må højst have 320 tegn (den har 5012)."),
    ("markup", {"email": '"><script>alert(1)</script>@example.com'}, "Skriv en gyldig e-mailadresse"),
    ("empty", {"email": ""}, "Dette felt er påkrævet."),
    ("kind", {"kind": "everything"}, "Vælg en søgning, en sag, en person eller et udvalg at følge."),
    ("no kind", {"kind": ""}, "Vælg en søgning, en sag, en person eller et udvalg at følge."),
    ("schedule", {"schedule": "hourly"}, "Marker en gyldig valgmulighed."),
    ("nul schedule", {"schedule": "daily\x00"}, "Marker en gyldig valgmulighed."),
    ("empty search", {"q": ""}, "Skriv et søgeord eller vælg et filter, før du beder om besked."),
    ("only minus", {"q": "-ledighed"}, "Søgningen har kun ord med minus foran"),
    ("only a bad filter", {"q": "", "committee": "ingen-udvalg"}, "Skriv et søgeord eller vælg et filter"),
    ("case", {**CASE, "number": "15.00.00-G01-999-99"}, "Sagen findes ikke i arkivet."),
    ("case elsewhere", {**CASE, "municipality": "aarhus-kommune"}, "Sagen findes ikke i arkivet."),
    ("case garbage", {**CASE, "number": "'; DROP TABLE decisions_case; --"}, "Sagen findes ikke i arkivet."),
    ("person", {**PERSON, "person": "ingen-person"}, "Personen findes ikke i arkivet."),
    ("committee", {**COMMITTEE_TARGET, "committee": "ingen-udvalg"}, "Udvalget findes ikke i arkivet."),
]


@pytest.mark.parametrize(("fields", "message"), [r[1:] for r in REFUSED_INPUT], ids=[r[0] for r in REFUSED_INPUT])
def test_hostile_or_wrong_input_is_refused_in_danish_and_nothing_is_done(client, archive, fields, message):
    response = client.post(
        "/alerts/subscribe/", {**SEARCH, "email": "anna@example.com", "schedule": "daily", **fields}, **ORIGIN
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'lang="da"' in html and escape(message) in html
    assert "<script>alert(1)" not in html  # what was typed is shown escaped
    assert (stored(), archive.messages) == ([], [])


def test_whitespace_around_the_address_is_trimmed_and_mail_goes_to_that_one_address(client, archive):
    # A paste may end in a line break: trimmed (normalize_address), never part of a header.
    assert subscribe(client, "  Anna@Example.com\r\n").status_code == 302
    assert AlertAddress.objects.get().email == "anna@example.com"
    assert archive.envelopes == [("besked@arkiv.test", ["anna@example.com"])]
    assert [name.lower() for name, _value in header_lines(archive.raw(0))].count("to") == 1


@pytest.mark.parametrize(
    "email",
    ["anna@example.com\r\nBcc: evil@example.com", "anna@example.com\nBcc: evil@example.com", "a\x00@example.com"],
)
def test_the_link_form_refuses_a_hostile_address(client, archive, email):
    assert subscribe(client, "anna@example.com").status_code == 302
    archive.clear()
    response = client.post("/alerts/manage/", {"email": email})
    assert response.status_code == 400
    assert 'lang="da"' in response.content.decode() and LINK_FORM in response.content.decode()
    assert archive.messages == []


def test_the_refused_form_shows_the_typed_address_escaped(client, archive):
    response = subscribe(client, '"><script>alert(1)</script>@example.com', CASE)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;@example.com"' in html
    # The form names the case again, for the visitor to correct the address and send it.
    assert ("hidden", "number", CASE_NUMBER) in alert_form(html)["f"]


@pytest.mark.parametrize(
    ("what", "q", "stored_query"),
    [
        # CR and LF are dropped (decisions.records.printable), the rest is words.
        ("crlf", "ledighed\r\nBcc: evil@example.com", "ledighedBcc: evil@example.com"),
        ("lf header", "ledighed\nBcc: evil@example.com\nX-Evil: 1", "ledighedBcc: evil@example.comX-Evil: 1"),
        ("script", "<script>alert(1)</script> ledighed", "<script>alert(1)</script> ledighed"),
        ("nul", "ledig\x00hed", "ledighed"),
    ],
)
def test_a_hostile_search_is_one_subject_line_to_one_recipient(client, archive, what, q, stored_query):
    response = subscribe(client, "anna@example.com", {"kind": "search", "q": q})
    assert (response.status_code, response["Location"]) == (302, "/alerts/sent/")
    assert AlertSubscription.objects.get().search_query == stored_query
    # The envelope and the message itself name exactly one recipient, and no Bcc or Cc.
    assert archive.envelopes == [("besked@arkiv.test", ["anna@example.com"])]
    fields = header_lines(archive.raw(0))
    names = [name.lower() for name, _value in fields]
    assert names.count("to") == 1 and "bcc" not in names and "cc" not in names and "x-evil" not in names
    assert dict((name.lower(), value) for name, value in fields)["to"] == "anna@example.com"
    message = archive.messages[0]
    title = subject(message)
    assert title == f"Bekræft: besked om søgningen “{stored_query}”"
    assert "\n" not in title and "\r" not in title
    html = html_of(message)
    assert "<script>" not in html
    if what == "script":
        assert "&lt;script&gt;alert(1)&lt;/script&gt; ledighed" in html


def test_a_huge_search_is_cut_to_300_characters(client, archive):
    response = subscribe(client, "anna@example.com", {"kind": "search", "q": "ledighed " + "a" * 100_000})
    assert response.status_code == 302
    query = AlertSubscription.objects.get().search_query
    assert query == "ledighed " + "a" * 291 and len(query) == 300
    # The subject is cut to 150 characters (decisions.alerts.mail.SUBJECT_LIMIT) and says so.
    title = subject(archive.messages[0])
    assert len(title) == 150 and title.endswith("…")
    assert title.startswith("Bekræft: besked om søgningen “ledighed aaaa")


@pytest.mark.parametrize(
    "fields",
    # NUL in a target field is dropped, as in any typed text (PostgreSQL's text cannot hold it).
    [{"kind": "case\x00"}, {"number": CASE_NUMBER + "\x00"}, {"municipality": "\x00" + ODENSE}],
)
def test_nul_in_a_target_field_is_dropped_not_a_500(client, archive, fields):
    response = client.post(
        "/alerts/subscribe/", {**CASE, "email": "anna@example.com", "schedule": "daily", **fields}, **ORIGIN
    )
    assert response.status_code == 302
    case = Case.objects.get(municipality__slug=ODENSE, number=CASE_NUMBER)
    assert AlertSubscription.objects.get().target == f"case:{case.pk}"
    assert subject(archive.messages[0]) == f"Bekræft: besked om {CASE_TEXT}"


@pytest.mark.parametrize("name", ["committee", "year", "outcome", "category", "municipality"])
def test_a_search_filter_the_page_cannot_use_is_left_out_as_on_the_search_page(client, archive, name):
    response = subscribe(client, "anna@example.com", {**SEARCH, name: "ingen\x00<b>"})
    assert (response.status_code, response["Location"]) == (302, "/alerts/sent/")
    subscription = AlertSubscription.objects.get()
    assert (subscription.target, subscription.search_filters) == ("search:q=ledighed", {})
    assert subject(archive.messages[0]) == f"Bekræft: besked om {SEARCH_TEXT}"


@pytest.mark.parametrize(("votes", "label"), [("true", "med navngivne stemmer"), ("false", "uden navngivne stemmer")])
def test_the_votes_filter_is_described_as_it_searches(client, archive, votes, label):
    assert subscribe(client, "anna@example.com", {**SEARCH, "votes": votes}).status_code == 302
    assert AlertSubscription.objects.get().target == f"search:q=ledighed&votes={votes}"
    assert subject(archive.messages[0]) == f"Bekræft: besked om {SEARCH_TEXT} ({label})"


@pytest.mark.parametrize("votes", ["ja", "yes", "<b>"])
def test_a_votes_value_the_search_ignores_is_not_kept_as_a_filter(client, archive, votes):
    # The search page reads such a value as no filter at all (django-filter's BooleanFilter:
    # anything but true/false/1/0 is None), and so does the alert's own search
    # (decisions.alerts.news: search_items with search_filters): it follows every item.
    pages = [client.get("/search/", {"q": "ledighed", **extra}).context["page"] for extra in ({}, {"votes": votes})]
    assert pages[0].paginator.count == pages[1].paginator.count
    assert subscribe(client, "anna@example.com", {**SEARCH, "votes": votes}).status_code == 302
    # So the alert should be the search without it, and not be described as
    # "med/uden navngivne stemmer" (a filter it does not apply).
    assert subject(archive.messages[0]) == f"Bekræft: besked om {SEARCH_TEXT}"
    assert AlertSubscription.objects.get().target == "search:q=ledighed"


def test_nul_in_the_honeypot_is_refused(client, archive):
    assert subscribe(client, "anna@example.com", website="\x00").status_code == 400
    assert (stored(), archive.messages) == ([], [])


# Tokens: what a link may have become (cut by a mail program, changed by hand, made up).
def _tampered(token: str) -> dict[str, str]:
    payload, _, signature = token.rpartition(":")
    return {
        "truncated": token[:-3],
        "signature changed": f"{payload}:{'A' if signature[0] != 'A' else 'B'}{signature[1:]}",
        "payload changed": ("B" if token[0] != "B" else "C") + token[1:],
        "no signature": payload,
        "garbage": "garbage",
        "huge": "x" * 20_000,
        "nul": "%00",
        "non-ascii": "æøå",
        "only colons": ":::",
    }


TAMPERED = list(_tampered("eyJhIjoxfQ:1abc:xyz"))
ROUTES = [
    # route, what a bad link answers: status and page
    ("confirm", 404, INVALID_LINK_PAGE),
    ("manage", 404, INVALID_LINK_PAGE),
    ("unsubscribe", 200, GONE_PAGE),
    ("end-all", 200, GONE_PAGE),
]


@pytest.mark.parametrize("how", TAMPERED)
@pytest.mark.parametrize(("route", "status", "page"), ROUTES)
def test_a_bad_link_answers_a_page_and_changes_nothing(client, archive, route, status, page, how):
    subscription = AlertSubscription.objects.get(pk=subscribe_pk(client))
    good = {
        "confirm": subscriptions.confirm_token(subscription),
        "manage": subscriptions.manage_token(subscription.address),
        "unsubscribe": subscriptions.unsubscribe_token(subscription),
        "end-all": subscriptions.end_all_token(subscription.address),
    }[route]
    bad = _tampered(good)[how]
    before = stored()
    if how == "nul":  # refused before any view by decisions.middleware.refuse_nul, as on every route
        status, page = 400, "Teksten indeholder et tegn (NUL), som ikke kan bruges."
    for method in ("get", "post"):
        response = getattr(client, method)(f"/alerts/{route}/{bad}/")
        assert response.status_code == status, method
        html = response.content.decode()
        assert page in html
        if status == 404:
            assert LINK_FORM in html  # to ask for a new link
    assert stored() == before
    assert len(archive.messages) == 1


def subscribe_pk(client) -> int:
    assert subscribe(client, "anna@example.com").status_code == 302
    return AlertSubscription.objects.get(address__email="anna@example.com").pk


@pytest.mark.parametrize(
    ("kind", "route"),
    [
        ("confirm", "unsubscribe"),
        ("confirm", "manage"),
        ("confirm", "end-all"),
        ("unsubscribe", "confirm"),
        ("unsubscribe", "manage"),
        ("unsubscribe", "end-all"),
        ("manage", "confirm"),
        ("manage", "unsubscribe"),
        ("manage", "end-all"),
        ("end-all", "confirm"),
        ("end-all", "unsubscribe"),
        ("end-all", "manage"),
    ],
)
def test_a_link_of_one_kind_does_nothing_on_another_route(client, archive, kind, route):
    subscription = AlertSubscription.objects.get(pk=subscribe_pk(client))
    token = {
        "confirm": subscriptions.confirm_token(subscription),
        "unsubscribe": subscriptions.unsubscribe_token(subscription),
        "manage": subscriptions.manage_token(subscription.address),
        "end-all": subscriptions.end_all_token(subscription.address),
    }[kind]
    before = stored()
    for method in ("get", "post"):
        response = getattr(client, method)(f"/alerts/{route}/{token}/")
        html = response.content.decode()
        if route in ("confirm", "manage"):
            assert response.status_code == 404 and INVALID_LINK_PAGE in html
        else:
            assert response.status_code == 200 and GONE_PAGE in html
    assert stored() == before  # still there, still unconfirmed


# --- 5. The pages ------------------------------------------------------------------------------


def test_confirming_twice_is_the_same_page_and_changes_nothing_more(client, archive):
    assert subscribe(client, "anna@example.com", PERSON, "weekly").status_code == 302
    url = link(archive.messages[0], "confirm")
    first = client.get(url)
    assert first.status_code == 200
    assert f"Du får nu besked om {PERSON_TEXT} (ugentligt)." in first.content.decode()
    when = AlertSubscription.objects.get().confirmed_at
    assert when is not None
    again = client.get(url)
    assert again.status_code == 200 and f"Du får nu besked om {PERSON_TEXT}" in again.content.decode()
    assert AlertSubscription.objects.get().confirmed_at == when


def test_unsubscribe_asks_first_then_ends_and_deletes_the_last_address(client, archive):
    subscription = confirmed(client, archive, "anna@example.com", CASE)
    url = link(archive.messages[0], "unsubscribe")
    assert subscriptions.subscription_to_end(url.split("/")[3]) == subscription
    assert str(archive.messages[0]["List-Unsubscribe"]).strip() == f"<{SITE}{url}>"
    # GET (a mail program's link checker, a visitor's click): a question, nothing ended.
    asked = client.get(url)
    html = asked.content.decode()
    assert asked.status_code == 200 and f"Afmeld beskeder om {CASE_TEXT}?" in html
    assert Forms(html).forms[-1]["method"] == "post"
    assert AlertSubscription.objects.filter(pk=subscription.pk).exists()
    # POST with the body RFC 8058 prescribes: ended, and the address that follows nothing is gone.
    ended = client.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert ended.status_code == 200 and f"Du får ikke flere e-mails om {CASE_TEXT}." in ended.content.decode()
    assert stored() == []
    again = client.post(url)
    assert again.status_code == 200 and GONE_PAGE in again.content.decode()
    assert client.get(url).status_code == 200
    # The confirmation link of an ended subscription confirms nothing.
    gone = client.get(link(archive.messages[0], "confirm"))
    assert gone.status_code == 404 and INVALID_LINK_PAGE in gone.content.decode()
    assert stored() == []


def test_unsubscribing_one_of_two_keeps_the_address(client, archive):
    one = confirmed(client, archive, "anna@example.com", CASE)
    confirmed(client, archive, "anna@example.com", PERSON)
    assert client.post(f"/alerts/unsubscribe/{subscriptions.unsubscribe_token(one)}/").status_code == 200
    assert [row[:2] for row in stored()] == [
        ("anna@example.com", f"person:{Person.objects.get(slug='reza-javid').pk}"),
        ("anna@example.com", "address"),
    ]


def test_end_all_link_asks_then_ends_everything(client, archive):
    for target in (SEARCH, CASE):
        confirmed(client, archive, "anna@example.com", target)
    confirmed(client, archive, "bo@example.com", CASE)
    address = AlertAddress.objects.get(email="anna@example.com")
    url = f"/alerts/end-all/{subscriptions.end_all_token(address)}/"
    asked = client.get(url)
    assert "Afmeld alle dine 2 beskeder og slet din adresse fra arkivet?" in asked.content.decode()
    assert AlertSubscription.objects.filter(address=address).count() == 2
    ended = client.post(url)
    assert ended.status_code == 200 and ALL_ENDED_PAGE in ended.content.decode()
    assert {row[0] for row in stored()} == {"bo@example.com"}
    assert GONE_PAGE in client.post(url).content.decode()


def test_the_address_page_lists_its_own_subscriptions_changes_and_ends_them(client, archive):
    search = confirmed(client, archive, "anna@example.com", SEARCH, "daily")
    case = confirmed(client, archive, "anna@example.com", CASE, "weekly")
    assert subscribe(client, "anna@example.com", COMMITTEE_TARGET, "immediate").status_code == 302  # unconfirmed
    others = confirmed(client, archive, "bo@example.com", PERSON, "daily")
    url = f"/alerts/manage/{subscriptions.manage_token(search.address)}/"
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Beskeder til anna@example.com." in html
    for text in (SEARCH_TEXT, CASE_TEXT, COMMITTEE_TEXT):
        assert text in html
    assert PERSON_TEXT not in html and "bo@example.com" not in html
    assert html.count("venter på bekræftelse") == 1 and html.count(">bekræftet<") == 2
    assert '<a href="/search/?q=ledighed">' in html
    assert f'<a href="/{ODENSE}/cases/{CASE_NUMBER}/">' in html
    assert '<option value="weekly" selected>ugentligt</option>' in html
    ids = sorted({int(v) for f in Forms(html).forms for _t, name, v in f["f"] if name == "subscription"})
    assert ids == sorted(
        AlertSubscription.objects.filter(address__email="anna@example.com").values_list("pk", flat=True)
    )

    # Change one's schedule.
    changed = client.post(url, {"subscription": search.pk, "action": "schedule", "schedule": "weekly"})
    assert (changed.status_code, changed["Location"]) == (302, url)
    search.refresh_from_db()
    assert search.schedule == "weekly"
    # An unknown schedule changes nothing.
    client.post(url, {"subscription": search.pk, "action": "schedule", "schedule": "hourly"})
    search.refresh_from_db()
    assert search.schedule == "weekly"
    # End one; the address stays while it follows something.
    ended = client.post(url, {"subscription": case.pk, "action": "end"})
    assert (ended.status_code, ended["Location"]) == (302, url)
    assert not AlertSubscription.objects.filter(pk=case.pk).exists()
    assert CASE_TEXT not in client.get(url).content.decode()
    # End all: the address is deleted; bo's subscription is not touched.
    gone = client.post(url, {"action": "end-all"})
    assert gone.status_code == 200 and ALL_ENDED_PAGE in gone.content.decode()
    assert stored() == [
        ("bo@example.com", f"person:{others.person_id}", "daily", False),
        ("bo@example.com", "address"),
    ]
    assert client.get(url).status_code == 404


def test_ending_the_last_one_on_the_address_page_deletes_the_address(client, archive):
    only = confirmed(client, archive, "anna@example.com", CASE)
    url = f"/alerts/manage/{subscriptions.manage_token(only.address)}/"
    response = client.post(url, {"subscription": only.pk, "action": "end"})
    assert response.status_code == 200 and ALL_ENDED_PAGE in response.content.decode()
    assert stored() == []


@pytest.mark.parametrize(
    "action",
    [
        {"action": "schedule", "schedule": "immediate"},
        {"action": "end"},
    ],
)
def test_the_address_page_cannot_touch_another_addresss_subscription(client, archive, action):
    anna = confirmed(client, archive, "anna@example.com", CASE)
    bo = confirmed(client, archive, "bo@example.com", CASE, "weekly")
    url = f"/alerts/manage/{subscriptions.manage_token(anna.address)}/"
    before = stored()
    for named in (bo.pk, f" {bo.pk} ", "x", "", "9" * 30, "-1", "١"):
        response = client.post(url, {"subscription": named, **action})
        assert response.status_code == 400, named
        assert INVALID_LINK_PAGE in response.content.decode()
    assert stored() == before


@pytest.mark.parametrize(("days", "status"), [(29, 200), (31, 404)])
def test_a_link_to_the_address_page_works_for_link_days(client, archive, settings, monkeypatch, days, status):
    settings.ARCHIVE_ALERT_LINK_DAYS = 30
    subscription = confirmed(client, archive, "anna@example.com", CASE)
    with monkeypatch.context() as patch:  # the link as made `days` ago
        then = time.time() - days * 24 * 3600
        patch.setattr("django.core.signing.time.time", lambda: then)
        token = subscriptions.manage_token(subscription.address)
    response = client.get(f"/alerts/manage/{token}/")
    assert response.status_code == status
    html = response.content.decode()
    if status == 404:
        assert INVALID_LINK_PAGE in html and LINK_FORM in html and 'name="email"' in html
        # The form gets a new link by e-mail.
        archive.clear()
        assert client.post("/alerts/manage/", {"email": "anna@example.com"}).status_code == 302
        assert client.get(link(archive.messages[0], "manage")).status_code == 200
    else:
        assert CASE_TEXT in html


@pytest.mark.parametrize(("days", "status"), [(6, 200), (8, 404)])
def test_a_confirmation_link_works_for_seven_days(client, archive, monkeypatch, days, status):
    with monkeypatch.context() as patch:  # the form sent `days` ago
        then = time.time() - days * 24 * 3600
        patch.setattr("django.core.signing.time.time", lambda: then)
        assert subscribe(client, "anna@example.com", CASE).status_code == 302
    response = client.get(link(archive.messages[0], "confirm"))
    assert response.status_code == status
    assert (AlertSubscription.objects.get().confirmed_at is not None) == (status == 200)


# --- 6. Privacy in the admin -------------------------------------------------------------------


@pytest.fixture
def followers(client, archive):
    """Three addresses following the archive: two searches, a case (confirmed) and a person."""
    confirmed(client, archive, "anna@example.com", SEARCH, "daily")
    confirmed(client, archive, "anna@example.com", CASE, "weekly")
    assert subscribe(client, "bo@example.com", PERSON, "immediate").status_code == 302
    assert subscribe(client, "carl@example.org", {"kind": "search", "q": "bedrageri"}, "daily").status_code == 302
    return ["anna@example.com", "bo@example.com", "carl@example.org"]


@pytest.fixture
def editor(followers):
    user = User.objects.create_user("redaktor", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Redaktør"))
    browser = Client()
    browser.force_login(user)
    return browser


def test_an_editor_sees_what_is_followed_and_how_much_but_no_address(editor, followers):
    response = editor.get("/admin/decisions/alertsubscription/")
    html = response.content.decode()
    assert response.status_code == 200
    for email in followers:
        assert email not in html
    assert "example.com" not in html and "example.org" not in html
    for text in (SEARCH_TEXT, CASE_TEXT, PERSON_TEXT, "søgningen “bedrageri”"):
        assert text in html
    assert "4 abonnementer på besked" in html
    # The facet counts: by kind, schedule and state.
    facets = dict(re.findall(r'<a href="\?([a-z_]+=[a-z]+)">[^<>]+ \((\d+)\)</a>', html))
    assert facets == {
        "kind__exact=search": "2",
        "kind__exact=case": "1",
        "kind__exact=person": "1",
        "kind__exact=committee": "0",
        "schedule__exact=immediate": "1",
        "schedule__exact=daily": "2",
        "schedule__exact=weekly": "1",
        "confirmed=yes": "2",
        "confirmed=no": "2",
    }
    # Each subscription's own page shows no address either.
    for subscription in AlertSubscription.objects.all():
        page = editor.get(f"/admin/decisions/alertsubscription/{subscription.pk}/change/")
        assert page.status_code == 200
        assert not any(email in page.content.decode() for email in followers)
    # Nor can an editor find one by searching, filtering or autocompleting on it.
    assert (
        "0 abonnementer på besked"
        in editor.get("/admin/decisions/alertsubscription/?q=anna%40example.com").content.decode()
    )
    assert editor.get("/admin/decisions/alertsubscription/?address__email__startswith=anna").status_code == 400
    autocomplete = "/admin/autocomplete/?app_label=decisions&model_name=alertsubscription&field_name=address&term=a"
    assert editor.get(autocomplete).status_code == 403


def test_an_editor_cannot_open_the_addresses(editor, followers):
    assert editor.get("/admin/decisions/alertaddress/").status_code == 403
    address = AlertAddress.objects.get(email="anna@example.com")
    assert editor.get(f"/admin/decisions/alertaddress/{address.pk}/change/").status_code == 403
    assert editor.get(f"/admin/decisions/alertaddress/{address.pk}/delete/").status_code == 403
    index = editor.get("/admin/").content.decode()
    assert "/admin/decisions/alertsubscription/" in index
    assert "/admin/decisions/alertaddress/" not in index
    assert not any(email in index for email in followers)


def test_a_superuser_sees_the_addresses(admin_client, followers):
    addresses = admin_client.get("/admin/decisions/alertaddress/").content.decode()
    listed = admin_client.get("/admin/decisions/alertsubscription/").content.decode()
    for email in followers:
        assert email in addresses and email in listed
    found = admin_client.get("/admin/decisions/alertsubscription/?q=bo%40example.com").content.decode()
    assert "bo@example.com" in found and "anna@example.com" not in found


# --- 7. Caching and the forms on the pages -----------------------------------------------------


def kept_pages() -> int:
    from django.core.cache import caches

    return len(caches["pages"]._cache)


def test_the_search_page_with_the_form_is_still_cached_for_everyone(client, archive, page_cache):
    first = client.get("/search/?q=ledighed")
    assert first.status_code == 200
    assert first["Cache-Control"] == "public, max-age=60"
    assert not first.cookies and not first.has_header("Set-Cookie")
    html = first.content.decode()
    assert "csrfmiddlewaretoken" not in html  # the form is the same for every visitor
    form = alert_form(html)
    assert form["method"] == "post"
    assert [f for f in form["f"] if f[0] == "hidden"] == [("hidden", "kind", "search"), ("hidden", "q", "ledighed")]
    assert kept_pages() == 1
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/search/?q=ledighed")
    assert again.content == first.content
    assert len(queries) == 1  # the archive generation; the page from the page cache
    # The form as sent from the page works.
    sent = client.post(
        "/alerts/subscribe/",
        {**{name: value for _t, name, value in form["f"]}, "email": "anna@example.com"},
        HTTP_REFERER=f"{SITE}/search/?q=ledighed",
    )
    assert (sent.status_code, sent["Location"]) == (302, "/alerts/sent/")
    assert subject(archive.messages[0]) == f"Bekræft: besked om {SEARCH_TEXT}"
    assert AlertSubscription.objects.get().schedule == "daily"  # the form's checked choice


def test_the_form_follows_the_searchs_filters_and_is_absent_without_a_search(client, archive):
    html = client.get(f"/search/?committee={COMMITTEE}&year=2019&page=2&sort=newest").content.decode()
    form = alert_form(html)
    hidden = [f[1:] for f in form["f"] if f[0] == "hidden"]
    assert hidden == [("kind", "search"), ("q", ""), ("committee", COMMITTEE), ("year", "2019")]
    data = {name: value for _t, name, value in form["f"]} | {"email": "anna@example.com"}
    sent = client.post("/alerts/subscribe/", data, **ORIGIN)
    assert sent.status_code == 302
    assert (
        subject(archive.messages[0]) == "Bekræft: besked om alle beslutninger (Beskæftigelses- og Socialudvalget, 2019)"
    )
    assert [
        f for f in Forms(client.get("/search/").content.decode()).forms if f["action"] == "/alerts/subscribe/"
    ] == []


@pytest.mark.parametrize(
    "url",
    [
        "/alerts/sent/",
        "/alerts/manage/",
        "/alerts/subscribe/?kind=case&municipality=odense-kommune&number=15.00.00-G01-193-17",
        "/alerts/confirm/garbage/",
        "/alerts/manage/garbage/",
        "/alerts/unsubscribe/garbage/",
    ],
)
def test_the_alerts_pages_are_private_and_never_kept(client, archive, page_cache, url):
    response = client.get(url)
    assert response.status_code in (200, 404)
    assert set(response["Cache-Control"].replace(" ", "").split(",")) == {"private", "no-store"}
    assert not response.has_header("ETag")
    assert kept_pages() == 0


@pytest.mark.parametrize(
    ("url", "hidden", "text"),
    [
        (
            f"/{ODENSE}/cases/{CASE_NUMBER}/",
            [("kind", "case"), ("municipality", ODENSE), ("number", CASE_NUMBER)],
            CASE_TEXT,
        ),
        (
            f"/{ODENSE}/people/reza-javid/",
            [("kind", "person"), ("municipality", ODENSE), ("person", "reza-javid")],
            PERSON_TEXT,
        ),
        (
            f"/{ODENSE}/meetings/{COMMITTEE}/",
            [("kind", "committee"), ("municipality", ODENSE), ("committee", COMMITTEE)],
            COMMITTEE_TEXT,
        ),
    ],
)
def test_the_form_on_case_person_and_committee_pages(client, archive, page_cache, url, hidden, text):
    page = client.get(url)
    assert page.status_code == 200 and page["Cache-Control"] == "public, max-age=60"
    assert not page.cookies
    form = alert_form(page.content.decode())
    assert (form["method"], form["class"]) == ("post", "alert-form")
    assert [f[1:] for f in form["f"] if f[0] == "hidden"] == hidden
    assert [f[1:] for f in form["f"] if f[0] != "hidden"] == [("email", ""), ("schedule", "daily"), ("website", "")]
    # Sent as the browser sends it from that page.
    data = {name: value for _t, name, value in form["f"]} | {"email": "anna@example.com"}
    sent = client.post(
        "/alerts/subscribe/", data, HTTP_ORIGIN=SITE, HTTP_REFERER=SITE + url, HTTP_SEC_FETCH_SITE="same-origin"
    )
    assert (sent.status_code, sent["Location"]) == (302, "/alerts/sent/")
    assert [subject(m) for m in archive.messages] == [f"Bekræft: besked om {text}"]


def test_a_search_differing_only_in_case_is_the_same_subscription(client, archive):
    # Searches ignore case, so "Ledighed" after "ledighed" is the search already followed: the
    # address is told so, and keeps one subscription.
    confirmed(client, archive, target=SEARCH)
    assert subscribe(client, target={**SEARCH, "q": "Ledighed"}).status_code == 302
    assert AlertSubscription.objects.count() == 1
    assert subject(archive.messages[-1]) == f"Du får allerede besked om {SEARCH_TEXT}"
