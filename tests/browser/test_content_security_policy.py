"""The Content-Security-Policy blocks nothing the site and its admin need: Chromium reports no
violation on the public pages and the admin's pages an editor uses."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PUBLIC = (
    "/",
    "/search/?q=ledighed",
    "/odense-kommune/meetings/beskaeftigelses-og-socialudvalget/2019-03-05/8/",
    "/odense-kommune/people/reza-javid/",
    "/odense-kommune/cases/15.00.00-G01-193-17/",
)
ADMIN = (
    "/admin/",
    "/admin/decisions/meeting/",
    "/admin/decisions/meeting/upload/",
    "/admin/decisions/agendaitem/?q=bedrageri",
    "/admin/decisions/person/",
)


@pytest.fixture
def superuser(transactional_db):
    from django.contrib.auth.models import User

    return User.objects.create_superuser("csp", password="en lang nok adgangskode")


def test_no_page_breaks_the_content_security_policy(page, archive, superuser):
    from decisions.models import AgendaItem

    violations: list[str] = []
    page.on("console", lambda message: violations.append(f"{page.url}: {message.text}"))
    for path in PUBLIC:
        response = page.goto(archive + path)
        assert response.status == 200, path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page.goto(archive + "/admin/")
    page.fill("#id_username", "csp")
    page.fill("#id_password", "en lang nok adgangskode")
    page.click("input[type=submit]")
    item = AgendaItem.objects.get(meeting__date="2019-03-05", number=8)
    for path in (*ADMIN, f"/admin/decisions/agendaitem/{item.pk}/change/"):
        response = page.goto(archive + path)
        assert response.status == 200, path
        page.wait_for_load_state("load")
    # The admin's own scripts ran: the "add another" rows of the inlines are drawn by them.
    assert page.locator("tr.add-row a, div.add-row a").count() > 0
    assert [v for v in violations if "Content Security Policy" in v or "Refused to" in v] == []
