"""A journalist in a real browser: search to a case, a vote row to the councillor, the record as CSV."""

from __future__ import annotations

import csv
import io
import os
import re

import pytest

# Playwright's sync API runs an event loop in this thread (conftest sets it too).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser


def test_from_search_to_case_to_person_to_csv(page, archive):
    # A partial case number typed into the search finds the cases that carry it.
    page.goto(archive + "/search/?q=00.30.00")
    page.get_by_role("link", name="00.30.00-S00-11-19").click()
    page.wait_for_url(re.compile(r"/odense-kommune/cases/00\.30\.00-S00-11-19/$"))
    assert "00.30.00-S00-11-19" in page.locator("h1").inner_text()
    assert page.locator("li.treatment").count() == 2
    assert page.locator("link[rel=alternate][type='application/atom+xml']").count() == 1

    # A case with named votes: a vote row leads to the person.
    page.goto(archive + "/odense-kommune/cases/00.00.00-G01-5270-17/")
    row = page.locator("table.votes tr", has_text="Reza Javid")
    assert row.locator("td").nth(2).inner_text() == "imod"
    row.get_by_role("link", name="Reza Javid").click()
    page.wait_for_url(re.compile(r"/odense-kommune/people/reza-javid/$"))
    assert page.locator("h1").inner_text() == "Reza Javid (Ø)"
    assert page.locator("[data-figure=dissent]").inner_text() == "1"
    assert page.locator("[data-figure=implied]").inner_text() == "6"
    assert page.locator("svg .bar-against").count() == 1

    # The record as CSV, downloaded.
    with page.expect_download() as info:
        page.get_by_role("link", name="Hent stemmerne som CSV").click()
    download = info.value
    assert download.suggested_filename == "reza-javid-stemmer.csv"
    with open(download.path(), encoding="utf-8") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read())))
    assert [(r["item_number"], r["subject"], r["position"], r["dissent"]) for r in rows] == [
        ("1", "ændringsforslaget", "against", "no"),
        ("7", "indstillingen", "against", "yes"),
    ]


def test_item_page_vote_row_links_the_person_and_filters_work(page, archive):
    page.goto(archive + "/odense-kommune/meetings/beskaeftigelses-og-socialudvalget/2019-03-05/1/")
    page.locator("table.votes").get_by_role("link", name="Tommy Hummellose").click()
    page.wait_for_url(re.compile(r"/odense-kommune/people/tommy-hummellose/$"))
    assert "Tommy Hummelose" in page.locator(".facts").inner_text()
    page.get_by_label("Stilling", exact=True).select_option("for")
    page.get_by_role("button", name="Vis").click()
    page.wait_for_url(re.compile(r"position=for"))
    assert page.locator("table.record tbody tr").count() == 2


@pytest.mark.parametrize(
    "path",
    [
        "/odense-kommune/people/christoffer-lilleholt/",
        "/odense-kommune/cases/81.00.10-A00-2-18/",
        "/parties/A/",
        "/people/",
    ],
)
def test_journalist_pages_fit_a_phone(browser, archive, path):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(archive + path)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360, f"{path} is {scroll_width}px wide"
    context.close()
