"""A citizen in a real browser: search, read, follow the case; keyboard only; a small phone."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def test_search_highlight_open_and_follow_case_link(page, archive):
    page.goto(archive + "/")
    page.get_by_label("Søg i beslutninger, titler og sagsnumre").fill("ledighedsprocent")
    page.get_by_role("button", name="Søg").click()
    page.wait_for_url(re.compile(r"/search/\?q=ledighedsprocent"))
    assert page.locator(".result-count").inner_text() == "3 resultater"
    first = page.locator(".result").first
    assert first.locator("mark").first.inner_text().lower().startswith("ledighedsprocent")
    first.locator("h3 a").click()
    page.wait_for_url(re.compile(r"/odense-kommune/meetings/beskaeftigelses-og-socialudvalget/2024-05-28/5/$"))
    assert page.locator("h1").inner_text() == "Indsatser til at nedbringe ledigheden"
    page.locator("a.case-link").click()
    page.wait_for_url(re.compile(r"/odense-kommune/cases/00\.30\.00-S00-1-24/$"))
    assert "00.30.00-S00-1-24" in page.locator("h1").inner_text()


def test_search_form_works_with_the_keyboard_alone(page, archive):
    page.goto(archive + "/")
    # Tab order: skip link, site name, nav links..., then the search field.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "q":
            break
    assert page.evaluate("document.activeElement.name") == "q"
    page.keyboard.type('"socialt bedrageri"')
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search/"))
    assert page.locator(".result-count").inner_text() == "2 resultater"
    # Focus is visible: the focused link gets an outline.
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


@pytest.mark.parametrize(
    "path", ["/", "/search/?q=ledighed", "/odense-kommune/meetings/beskaeftigelses-og-socialudvalget/2019-03-05/2/"]
)
def test_phone_width_has_no_horizontal_scrolling(browser, archive, path):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(archive + path)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360, f"{path} is {scroll_width}px wide"
    context.close()
