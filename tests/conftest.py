"""Shared test helpers: the real fixture minutes, and small factories for synthetic minutes."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

# The real SMTP server on 127.0.0.1 for the e-mail tests, a fixture for every test module.
from tests.smtp import smtp_server  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "minutes"
# The four real Odense minutes, by meeting date.
MINUTES_2017 = FIXTURES / "000_8e61c8ee450bc2e3.txt"
MINUTES_2019 = FIXTURES / "001_357794a7807963d1.txt"
MINUTES_2024 = FIXTURES / "002_93ae4490a1e197e6.txt"
MINUTES_2021 = FIXTURES / "003_22c6d353a3b71871.txt"
ALL_MINUTES = (MINUTES_2017, MINUTES_2019, MINUTES_2024, MINUTES_2021)
# The slug of the archive's default municipality, which the Odense minutes belong to.
ODENSE = "odense-kommune"
# Real exports of other municipalities' publishing systems (fixtures/formats/SOURCES.md).
FORMATS = ROOT / "fixtures" / "formats"
ACADRE_SYDDJURS = FORMATS / "acadre" / "syddjurs_puk_2013-06-20"
EDOC_BALLERUP = FORMATS / "edoc" / "ballerup_sfu_2012-12-04"
PUBLICATION_BALLERUP = FORMATS / "publication" / "Publication32.zip"


def make_minutes(
    *items: tuple[int, str, str],
    committee: str = "Testudvalget",
    date: str = "01-02-2022",
    term: str = "2022-2025",
) -> str:
    """Minutes text in the Odense layout; each item is (number, title, decision text)."""
    day, month, year = date.split("-")
    months = [
        "januar",
        "februar",
        "marts",
        "april",
        "maj",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "december",
    ]
    head = [
        f"REFERAT {committee} {term} d. {date}",
        "",
        f"Mødedato Tirsdag d. {day}. {months[int(month) - 1]} {year} kl. 09:00",
        "",
        "Mødested Rådhuset, Flakhaven 2, 5000 Odense C",
        "",
        "Indholdsfortegnelse",
        "",
    ]
    head += [f"{title}.....\t{n + 2}" for n, title, _ in items]
    body = []
    for n, title, decision in items:
        body += ["", f"Punkt {n}: {title}", "", f"00.01.00-A00-{n}-22", "", "Resume", "", f"Resume af {title}.", ""]
        if decision:
            body += ["Beslutning", "", decision, ""]
    return "\n".join(head + body) + "\n"


def too_many_words_minutes() -> str:
    """Minutes with one item of 90 000 distinct words: a search vector of about 2 MB, over
    PostgreSQL's 1 MB ("string is too long for tsvector")."""
    words = " ".join(f"ord{n:05d}x{n * 7919 % 100_000:05d}" for n in range(90_000))
    return make_minutes((1, "Et enormt bilag", words))


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    """Tests render templates without collectstatic; the hashed storage is tested on its own."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Original minutes and attachment files written by tests go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    """Tests of a view measure the view (its queries, its answer after a change made without a
    new generation); the whole-page cache is tested on its own (tests/test_caching.py, `page_cache`)."""
    settings.ARCHIVE_PAGE_CACHE = ""


@pytest.fixture
def page_cache(settings):
    """The whole-page cache on, as served (emptied first: it is in this process's memory)."""
    from django.core.cache import caches

    settings.ARCHIVE_PAGE_CACHE = "pages"
    caches["pages"].clear()
    yield
    caches["pages"].clear()


@pytest.fixture
def ingested(db):
    """The four real fixtures ingested through the one write path."""
    from decisions.services import ingest_file

    return [ingest_file(path) for path in ALL_MINUTES]


@pytest.fixture
def write_minutes(tmp_path):
    """Write minutes bytes or text to a file in a temporary folder; returns its path."""

    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
        return path

    return write


class _FormParser(HTMLParser):
    """The fields of the admin's change form (id="<model>_form"), as a browser would submit them."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self.in_form = self.done = False
        self.select = self.textarea = None
        self.text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id", "").endswith("_form") and not self.done:
            self.in_form = True
        if not self.in_form:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "file", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value", "on" if a.get("type") == "checkbox" else ""))
        elif tag == "select" and name:
            self.select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self.select and "selected" in a:
            self.data[self.select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self.textarea, self.text = name, ""

    def handle_data(self, data):
        if self.textarea:
            self.text += data

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea:
            self.data.setdefault(self.textarea, []).append(self.text.lstrip("\n"))
            self.textarea = None
        elif tag == "form" and self.in_form:
            self.in_form, self.done = False, True


def form_data(client, url: str) -> dict:
    """The fields of the admin change form at `url`, as a browser would submit them."""
    parser = _FormParser()
    parser.feed(client.get(url).content.decode())
    return {k: v if len(v) > 1 else (v[0] if v else "") for k, v in parser.data.items()}


def attachment_pdf(words: str) -> bytes:
    """A one-page PDF attachment with these words as its text."""
    from tests import pdfmaker

    text = pdfmaker.font_safe(f"REFERAT Bilag 2014-2017 d. 28-03-2017\n\n{words}\n")
    return pdfmaker.minutes_pdf(text).data
