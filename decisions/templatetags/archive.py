"""Template helpers: section text as blocks, labels for choices, links in long tables."""

from __future__ import annotations

import datetime as dt
import html
import re
from functools import cache
from urllib.parse import quote, urlencode

from django import template
from django.db.models import Model
from django.http import QueryDict
from django.template.defaultfilters import date as date_filter
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.html import conditional_escape
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from decisions.converters import CaseNumberConverter
from decisions.minutes.blocks import BulletList, NumberedList, Paragraph, Table, to_blocks

register = template.Library()

_KINDS = {Paragraph: "paragraph", BulletList: "bullets", NumberedList: "numbered", Table: "table"}


@register.filter
def blocks(text: str) -> list[tuple[str, object]]:
    """Section text as (kind, block) pairs for includes/blocks.html; the template escapes all text."""
    result = []
    for block in to_blocks(text or ""):
        if isinstance(block, NumberedList):
            labels = block.labels or tuple(f"{n}." for n in range(1, len(block.items) + 1))
            result.append(("numbered", list(zip(labels, block.items, strict=False))))
        else:
            result.append((_KINDS[type(block)], block))
    return result


@register.filter
def first_sentence(text: str, limit: int = 220) -> str:
    """The start of a decision, for the meeting page's brief."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


@cache
def _choice_labels(model: type[Model], field_name: str, language: str | None) -> dict:
    # As text in `language` (active when called): a lazily translated label is translated anew
    # each time it is shown, some 10 µs, and a person's page shows a few dozen.
    return {value: str(label) for value, label in model._meta.get_field(field_name).flatchoices}


@cache
def _month_names(language: str | None, short: bool) -> tuple[str, ...]:
    from django.utils.dates import MONTHS, MONTHS_3

    if short:  # as the date filter's "M": the three-letter name, capitalized (Maj, Sept)
        return tuple(str(MONTHS_3[month]).title() for month in range(1, 13))
    return tuple(str(MONTHS[month]) for month in range(1, 13))  # in `language`, active when called


def _date(value, *, short: bool) -> str:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        # A datetime (made local by the template), or "" for nothing.
        return date_filter(value, "j. M Y" if short else "j. F Y")
    return f"{value.day}. {_month_names(get_language(), short)[value.month - 1]} {value.year}"


# The date filter formats through a DateFormat and a lazily translated month name: 24-33 µs a
# date, against 3 µs here. A search page shows twenty dates, the case index up to two hundred
# (4.8 ms of its template). These give the same text for dates; datetimes go to the filter.
@register.filter(expects_localtime=True)
def long_date(value) -> str:
    """A date as `{{ value|date:"j. F Y" }}` gives it (5. marts 2019)."""
    return _date(value, short=False)


@register.filter
def iso_date(value: str | None) -> dt.date | None:
    """An ISO date string (as stored in JSON, e.g. earlier decisions) as a date; None if not one."""
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


@register.filter(expects_localtime=True)
def short_date(value) -> str:
    """A date as `{{ value|date:"j. M Y" }}` gives it (5. Mar 2019), for tables."""
    return _date(value, short=True)


@register.filter
def display(obj: Model, field_name: str):
    """The label of a choice field's value, like `get_<field>_display`, which rebuilds and
    hashes every (lazily translated) label on each call: 2 ms on a page of twenty results."""
    value = getattr(obj, field_name)
    return _choice_labels(type(obj), field_name, get_language()).get(value, value)


def _changed_query(query: QueryDict, changes: dict) -> str:
    pairs = []
    for key, values in query.lists():
        if key == "page":
            continue
        if key in changes:
            if changes[key] not in (None, ""):
                pairs.append((key, changes[key]))
        else:
            pairs.extend((key, value) for value in values)
    kept = set(query) - {"page"}
    pairs += [(key, value) for key, value in changes.items() if key not in kept and value not in (None, "")]
    return urlencode(pairs)


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters changed (None removes one); page resets.

    Built from plain pairs: QueryDict.copy() deep-copies the request's query."""
    return _changed_query(context["request"].GET, changes)


@register.simple_tag(takes_context=True)
def facet_links(context, name: str, values: list[tuple[str, str, int]]) -> SafeString:
    """The links of one search facet, `<li>label (count)</li>`, the chosen value marked current.

    One pass in Python: as template nodes, the seventy links of a search page cost 3 ms. Each
    link is the query with `name` changed (as query_with builds it): the parameters before and
    after `name` are the same for every link of the facet, so they are encoded once."""
    query = context["request"].GET
    chosen = query.get(name)
    keys = [key for key in query if key != "page"]
    at = keys.index(name) if name in keys else len(keys)
    before = _encoded(query, keys[:at])
    after = _encoded(query, keys[at + 1 :])
    links = []
    for value, label, n in values:
        changed = urlencode([(name, value)]) if value not in (None, "") else ""
        href = html.escape("&".join(part for part in (before, changed, after) if part))
        current = ' aria-current="true"' if value == chosen else ""
        links.append(
            f'<li><a href="?{href}"{current}>{conditional_escape(label)}</a> <span class="count">({n})</span></li>'
        )
    return mark_safe("".join(links))


def _encoded(query: QueryDict, keys: list[str]) -> str:
    return urlencode([(key, value) for key in keys for value in query.getlist(key)])


# -- Links ------------------------------------------------------------------------------------
# reverse() costs 25-55 µs a link, and a person's page has some 130 (3 ms of its 16 ms); every
# page's header has five, a case page eleven. These routes are reversed once with placeholder
# arguments; a link then fills in its arguments, each checked against its path converter as
# reverse() would check it, and quoted as reverse() quotes them. tests/test_views.py compares
# every route with reverse().
_ARGUMENT = {
    "slug": re.compile(r"[-a-zA-Z0-9_]+"),
    "int": re.compile(r"[0-9]+"),
    "date": re.compile(r"\d{4}-\d{2}-\d{2}"),  # decisions.converters.IsoDateConverter
    "str": re.compile(r"[^/]+"),
    "case": re.compile(CaseNumberConverter.regex, re.DOTALL),
}
_PATH_SAFE = RFC3986_SUBDELIMS + "/~:@"  # what reverse() leaves unquoted
FAST_ROUTES = {
    # Every page's header and breadcrumbs (a route without arguments is reversed once).
    "decisions:home": (),
    "decisions:search": (),
    "decisions:case-index": (),
    "decisions:person-index": (),
    "decisions:case-feed": ("slug", "case"),
    "decisions:api-case-detail": ("slug", "case"),
    "decisions:search-feed": (),
    "decisions:person-feed": ("slug", "slug"),
    "decisions:person-csv": ("slug", "slug"),
    "decisions:api-person-detail": ("slug", "slug"),
    "decisions:municipality-detail": ("slug",),
    "decisions:committee-feed": ("slug", "slug"),
    "decisions:meeting-source": ("slug", "slug", "date"),
    "decisions:item-detail": ("slug", "slug", "date", "int"),
    "decisions:meeting-detail": ("slug", "slug", "date"),
    "decisions:committee-detail": ("slug", "slug"),
    "decisions:committee-members": ("slug", "slug"),
    "decisions:case-detail": ("slug", "case"),
    "decisions:person-detail": ("slug", "slug"),
    "decisions:party-detail": ("str",),
}


def _placeholder(kind: str, index: int):
    if kind == "date":
        return dt.date(1001 + index, 1, 1)  # 1001-01-01 occurs in no other part of a path
    if kind == "int":
        return 987_654_320 + index
    return f"zq{index}placeholder"


@cache
def _route(name: str, script_prefix: str) -> tuple[str, ...]:
    """The route's URL split at its arguments: fixed text, then an argument's place, and so on."""
    kinds = FAST_ROUTES[name]
    placeholders = [_placeholder(kind, i) for i, kind in enumerate(kinds)]
    url = reverse(name, args=placeholders)
    parts = []
    for value in placeholders:
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        before, found, url = url.partition(text)
        if not found or text in url:
            raise ValueError(f"{name}: placeholder {text!r} not found once in its URL")
        parts.append(before)
    return (*parts, url)


def _argument(kind: str, value) -> str:
    text = value.isoformat() if kind == "date" and isinstance(value, dt.date) else str(value)
    if not _ARGUMENT[kind].fullmatch(text):
        raise NoReverseMatch(f"{text!r} is not a {kind} in a URL")
    return quote(text, safe=_PATH_SAFE) if kind in ("str", "case") else text


@register.simple_tag
def fast_url(name: str, *args) -> str:
    """`{% url name args %}` for the routes of FAST_ROUTES, built from the route's cached parts."""
    kinds = FAST_ROUTES.get(name)
    if kinds is None or len(args) != len(kinds):
        return reverse(name, args=args)
    parts = _route(name, get_script_prefix())
    out = [parts[0]]
    for kind, value, after in zip(kinds, args, parts[1:], strict=True):
        out += (_argument(kind, value), after)
    return "".join(out)
