"""A clerk in a real browser: log in, upload a PDF, read the preview, confirm, see it public."""

from __future__ import annotations

import re

import pytest

from tests import pdfmaker
from tests.conftest import MINUTES_2021

pytestmark = pytest.mark.browser


@pytest.fixture
def clerk(transactional_db):
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Group, User

    # A live-server test flushes the tables when it ends, the migration's editor group with
    # them; the migration's own function makes it again for tests that run later.
    editor_group = importlib.import_module("decisions.migrations.0003_editor_group")
    editor_group.create_editor_group(apps, None)
    user = User.objects.create_user("kirsten", password="referat-2021", is_staff=True)
    user.groups.add(Group.objects.get(name="Redaktør"))
    return user


def test_upload_preview_confirm_and_find_it_public(page, live_server, clerk, tmp_path):
    pdf = tmp_path / "bsu-2021-02-02.pdf"
    pdf.write_bytes(pdfmaker.minutes_pdf(pdfmaker.font_safe(MINUTES_2021.read_text(encoding="utf-8"))).data)

    page.goto(live_server.url + "/admin/")
    page.fill("#id_username", "kirsten")
    page.fill("#id_password", "referat-2021")
    page.click("input[type=submit]")
    page.goto(live_server.url + "/admin/decisions/meeting/")
    page.get_by_role("link", name="Upload referater").click()
    page.set_input_files("input[type=file]", str(pdf))
    page.get_by_role("button", name="Vis forhåndsvisning").click()

    preview = page.locator("section.upload-file")
    assert preview.locator("h2").inner_text() == "bsu-2021-02-02.pdf"
    assert "Beskæftigelses- og Socialudvalget" in preview.locator(".upload-meeting").inner_text()
    rows = preview.locator("table.upload-items tbody tr")
    assert rows.count() == 4
    assert "Michael Eskamp Witek deltog ikke i behandlingen af punktet" in rows.nth(0).inner_text()
    assert "anbefalet til byrådet" in rows.nth(0).inner_text()
    assert "00.15.00-G01-1-21" in rows.nth(0).inner_text()
    assert "Nyt møde: det oprettes, når du bekræfter." in preview.inner_text()
    page.get_by_role("button", name="Bekræft og gem").click()
    assert page.locator(".messagelist").inner_text().strip() == (
        "Gemt: Beskæftigelses- og Socialudvalget 02-02-2021 fra bsu-2021-02-02.pdf (4 punkter, 0 navngivne stemmer)."
    )

    page.goto(live_server.url + "/")
    page.get_by_role("link", name=re.compile("2. februar 2021")).click()
    assert page.locator("h1").inner_text() == "Beskæftigelses- og Socialudvalget, 2. februar 2021"
    assert page.get_by_role("link", name="Original referat").get_attribute("href").endswith(".pdf")
