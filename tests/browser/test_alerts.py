"""E-mail alerts in a real browser: a citizen subscribes to a search from the search page,
follows the link in the confirmation e-mail (received by a real SMTP server), changes how often
on the address's own page (Django's CSRF token in a real browser) and ends the subscription.

The subscribe form has no CSRF token; it is accepted by the Origin and Sec-Fetch-Site headers
Chromium sends itself, which is what this test shows works (decisions.views.alerts._same_origin)."""

from __future__ import annotations

import re

import pytest

from tests.smtp import html_of, text_of

pytestmark = pytest.mark.browser

ADDRESS = "borger@example.dk"
QUERY = "ledighedsprocent"  # 3 results in the fixtures (see test_public_site.py)
TARGET = "søgningen “ledighedsprocent”"  # decisions.alerts.targets.describe


def _csp_violations(messages: list[str]) -> list[str]:
    return [m for m in messages if "Content Security Policy" in m or "Refused to" in m]


def test_subscribe_from_search_confirm_change_and_end(page, archive, smtp_server, settings):
    from decisions.models import AlertAddress, AlertSubscription

    # Links in the e-mails point to the live server, so the browser follows them as they are.
    settings.ARCHIVE_BASE_URL = archive
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{page.url}: {message.text}"))

    response = page.goto(f"{archive}/search/?q={QUERY}")
    assert response.status == 200
    assert page.locator(".result-count").inner_text() == "3 resultater"
    section = page.locator("section.alert-signup")
    assert section.get_by_role("heading", level=2).inner_text() == "Få besked på e-mail"
    form = section.locator("form.alert-form")
    # The honeypot is there for programs but not for people: the stylesheet (.hp) moves it off
    # the page's left edge, where no scrolling reaches; it is hidden from screen readers and
    # skipped by Tab. (Playwright's is_visible() counts any element with a box, even off screen,
    # as visible, so the box itself is checked.)
    honeypot = form.locator("input[name=website]")
    assert honeypot.count() == 1
    box = honeypot.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 0
    assert form.locator("div.hp").get_attribute("aria-hidden") == "true"
    assert honeypot.get_attribute("tabindex") == "-1"

    form.get_by_label("Din e-mailadresse").fill(ADDRESS)
    form.locator("label", has_text="ugentligt").click()
    assert form.locator("input[name=schedule][value=weekly]").is_checked()
    assert not form.locator("input[name=schedule][value=daily]").is_checked()
    form.get_by_role("button", name="Få besked").click()
    page.wait_for_url(f"{archive}/alerts/sent/")
    assert page.locator("h1").inner_text() == "Tjek din e-mail"

    # The confirmation went out during the POST, before the redirect: exactly one, to the address.
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert smtp_server.envelopes[0][1] == [ADDRESS]
    assert str(message["To"]).strip() == ADDRESS
    assert str(message["Subject"]).strip() == f"Bekræft: besked om {TARGET}"
    subscription = AlertSubscription.objects.get(address__email=ADDRESS)
    assert (subscription.kind, subscription.search_query, subscription.schedule) == ("search", QUERY, "weekly")
    assert subscription.confirmed_at is None
    links = re.findall(re.escape(archive) + r"/alerts/confirm/[^/\s]+/", text_of(message))
    assert len(links) == 1
    assert f'href="{links[0]}"' in html_of(message)

    response = page.goto(links[0])
    assert response.status == 200
    assert page.locator("h1").inner_text() == "Bekræftet"
    assert page.locator("p[role=status]").inner_text() == f"Du får nu besked om {TARGET} (ugentligt)."
    subscription.refresh_from_db()
    assert subscription.confirmed_at is not None

    page.get_by_role("link", name="Se og ret dine beskeder").click()
    page.wait_for_url(re.compile(re.escape(archive) + r"/alerts/manage/[^/]+/$"))
    manage_url = page.url
    assert page.locator("h1").inner_text() == "Dine beskeder"
    rows = page.locator("table.alert-list tbody tr")
    assert rows.count() == 1
    row = rows.first
    assert row.locator("td").nth(0).inner_text() == TARGET
    assert row.get_by_role("link", name=TARGET).get_attribute("href") == f"/search/?q={QUERY}"
    assert row.locator("td").nth(1).inner_text() == "bekræftet"
    select = row.get_by_label("Hvor ofte")
    assert select.input_value() == "weekly"
    assert select.locator("option:checked").inner_text() == "ugentligt"

    # Change the schedule: the form's CSRF token (and cookie) must pass in a real browser.
    # The form posts to the page's own URL, so the POST's own answer is what tells: 302, not 403.
    select.select_option(label="dagligt")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        row.get_by_role("button", name="Gem").click()
    assert (posted.value.url, posted.value.status) == (manage_url, 302)
    page.wait_for_load_state()
    assert page.url == manage_url
    assert page.locator("h1").inner_text() == "Dine beskeder"
    assert page.locator("table.alert-list tbody tr").first.get_by_label("Hvor ofte").input_value() == "daily"
    subscription.refresh_from_db()
    assert subscription.schedule == "daily"

    # End it: the address followed only this, so it is deleted with it.
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.locator("table.alert-list tbody tr").first.get_by_role("button", name="Afmeld", exact=True).click()
    assert (posted.value.url, posted.value.status) == (manage_url, 200)
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Afmeldt"
    assert (
        page.locator("p[role=status]").inner_text()
        == "Alle dine beskeder er afmeldt, og din adresse er slettet fra arkivet."
    )
    assert not AlertSubscription.objects.exists()
    assert not AlertAddress.objects.filter(email=ADDRESS).exists()

    # Nothing else was sent along the way (confirming and changing send no e-mail).
    assert len(smtp_server.messages) == 1
    assert _csp_violations(console) == []
