"""Atom feeds (Django's syndication framework): a case, a person, a committee, any search.

Entries link to the public pages; an entry's id is its page's URL. Descriptions are
rendered from templates, so the minutes text in them is escaped like on the pages.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.db.models import Count, Prefetch
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from decisions import records
from decisions import search as item_search
from decisions.models import AgendaItem, Committee, Meeting
from decisions.views.common import checked_search

ENTRIES = 50
# What XML 1.0 cannot hold. Minutes loaded before the readers dropped control characters may
# still have them (a \x0c from a PDF's page break made every feed with it answer 500).
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(value):
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    if isinstance(value, list | tuple):
        return type(value)(_xml_safe(part) for part in value)
    return value


class ArchiveAtomFeed(Atom1Feed):
    """Atom, with whatever stored text it is given made fit for XML: a feed never fails on it."""

    def __init__(self, title, link, description, **kwargs):
        super().__init__(_xml_safe(title), link, _xml_safe(description), **_xml_safe_values(kwargs))

    def add_item(self, title, link, description, **kwargs):
        super().add_item(_xml_safe(title), link, _xml_safe(description), **_xml_safe_values(kwargs))


def _xml_safe_values(values: dict) -> dict:
    return {key: _xml_safe(value) for key, value in values.items()}


def _meeting_time(meeting: Meeting) -> dt.datetime:
    """When the meeting began (midnight when the minutes give no time), in local time."""
    return timezone.make_aware(dt.datetime.combine(meeting.date, meeting.start_time or dt.time(0, 0)))


def _item_url(item: AgendaItem) -> str:
    committee = item.meeting.committee
    return reverse(
        "decisions:item-detail", args=[committee.municipality.slug, committee.slug, item.meeting.date, item.number]
    )


def _item_title(item: AgendaItem) -> str:
    return _("%(date)s, %(committee)s, punkt %(number)s: %(title)s") % {
        "date": item.meeting.date.isoformat(),
        "committee": item.meeting.committee.name,
        "number": item.number,
        "title": item.title,
    }


class _ItemFeed(Feed):
    """Entries are agenda items (or objects with an `.item`)."""

    feed_type = ArchiveAtomFeed
    description_template = "decisions/feed_item_description.html"

    def _item(self, entry) -> AgendaItem:
        return getattr(entry, "item", entry)

    def get_context_data(self, **kwargs) -> dict:
        return {**super().get_context_data(**kwargs), "item": self._item(kwargs["item"])}

    def item_title(self, entry) -> str:
        return _item_title(self._item(entry))

    def item_link(self, entry) -> str:
        return _item_url(self._item(entry))

    def item_pubdate(self, entry) -> dt.datetime:
        return _meeting_time(self._item(entry).meeting)

    def item_updateddate(self, entry) -> dt.datetime:
        return self._item(entry).meeting.updated_at

    def item_categories(self, entry) -> list[str]:
        item = self._item(entry)
        return [item.meeting.committee.name, *([item.case_number] if item.case_number else [])]


class CaseFeed(_ItemFeed):
    """Every treatment of one case, newest first."""

    def get_object(self, request: HttpRequest, municipality: str, number: str) -> records.CasePage:
        page = records.case_page(municipality=municipality, number=number)
        for entry in page.entries:
            # A case's treatments are all in its municipality: its links need no row of it each.
            entry.item.meeting.committee.municipality = page.case.municipality
        return page

    def title(self, page: records.CasePage) -> str:
        return _("Sag %(number)s") % {"number": page.case.number}

    def subtitle(self, page: records.CasePage) -> str:
        return _("Hver behandling af sagen i udvalgenes referater.")

    def link(self, page: records.CasePage) -> str:
        return reverse("decisions:case-detail", args=[page.case.municipality.slug, page.case.number])

    def items(self, page: records.CasePage) -> list[records.CaseEntry]:
        # Newest meeting first; a meeting's items in agenda order.
        return sorted(page.entries, key=lambda e: (e.item.meeting.date, -e.item.number), reverse=True)[:ENTRIES]


@dataclass
class PersonEntry:
    """One item a person is named in (their Vote rows on it), or one whole-meeting absence."""

    meeting: Meeting
    item: AgendaItem | None
    rows: list[records.RecordRow]


class PersonFeed(Feed):
    """A councillor's named votes and absences, newest first: one entry per item or absent meeting."""

    feed_type = ArchiveAtomFeed
    description_template = "decisions/feed_person_description.html"

    def get_object(self, request: HttpRequest, municipality: str, slug: str) -> tuple:
        person = records.get_person(municipality=municipality, slug=slug)
        rows = records.person_record(person=person)
        entries: dict[int, PersonEntry] = {}
        for row in rows:
            item = row.vote.item
            entries.setdefault(item.pk, PersonEntry(item.meeting, item, [])).rows.append(row)
        absences = [PersonEntry(a.meeting, None, []) for a in records.person_meeting_absences(person=person)]
        for entry in [*entries.values(), *absences]:
            # All in the person's municipality: its links need no row of it each.
            entry.meeting.committee.municipality = person.municipality
        ordered = sorted(
            [*entries.values(), *absences],
            # Newest meeting first; a meeting absence, then the items in agenda order.
            key=lambda e: (e.meeting.date, -(e.item.number if e.item else 0)),
            reverse=True,
        )
        return person, ordered[:ENTRIES]

    def title(self, obj) -> str:
        return _("%(name)s: stemmer og fravær") % {"name": obj[0]}

    def subtitle(self, obj) -> str:
        return _("Navngivne stemmer og fravær i udvalgenes referater.")

    def link(self, obj) -> str:
        return reverse("decisions:person-detail", args=[obj[0].municipality.slug, obj[0].slug])

    def items(self, obj) -> list[PersonEntry]:
        return obj[1]

    def item_title(self, entry: PersonEntry) -> str:
        if entry.item is None:
            return _("%(date)s, %(committee)s: fraværende fra hele mødet") % {
                "date": entry.meeting.date.isoformat(),
                "committee": entry.meeting.committee.name,
            }
        return _item_title(entry.item)

    def item_link(self, entry: PersonEntry) -> str:
        if entry.item is None:
            committee = entry.meeting.committee
            return reverse(
                "decisions:meeting-detail", args=[committee.municipality.slug, committee.slug, entry.meeting.date]
            )
        return _item_url(entry.item)

    def item_pubdate(self, entry: PersonEntry) -> dt.datetime:
        return _meeting_time(entry.meeting)

    def item_updateddate(self, entry: PersonEntry) -> dt.datetime:
        return entry.meeting.updated_at


class CommitteeFeed(Feed):
    """A committee's meetings, newest first, each with its agenda."""

    feed_type = ArchiveAtomFeed
    description_template = "decisions/feed_meeting_description.html"

    def get_object(self, request: HttpRequest, municipality: str, committee: str) -> Committee:
        # DoesNotExist → 404
        return Committee.objects.select_related("municipality").get(municipality__slug=municipality, slug=committee)

    def title(self, committee: Committee) -> str:
        return _("%(committee)s: møder") % {"committee": committee.name}

    def subtitle(self, committee: Committee) -> str:
        return _("Udvalgets møder og dagsordenspunkter med udfald.")

    def link(self, committee: Committee) -> str:
        return reverse("decisions:committee-detail", args=[committee.municipality.slug, committee.slug])

    def items(self, committee: Committee):
        items = AgendaItem.objects.defer("sections", "attachment_text", "search_vector").order_by("number")
        return (
            committee.meetings.defer("source_text")
            .select_related("committee__municipality")
            .annotate(item_count=Count("items"))
            .prefetch_related(Prefetch("items", queryset=items))
            .order_by("-date")[:ENTRIES]
        )

    def item_title(self, meeting: Meeting) -> str:
        return _("%(committee)s, møde %(date)s") % {
            "committee": meeting.committee.name,
            "date": meeting.date.isoformat(),
        }

    def item_link(self, meeting: Meeting) -> str:
        committee = meeting.committee
        return reverse("decisions:meeting-detail", args=[committee.municipality.slug, committee.slug, meeting.date])

    def item_pubdate(self, meeting: Meeting) -> dt.datetime:
        return _meeting_time(meeting)

    def item_updateddate(self, meeting: Meeting) -> dt.datetime:
        return meeting.updated_at


@dataclass
class SearchResults:
    raw: str
    params: str
    items: list[AgendaItem]


class SearchFeed(_ItemFeed):
    """The search page's results for the same query string; newest first unless `sort` says otherwise."""

    def get_object(self, request: HttpRequest) -> SearchResults:
        with item_search.index_matching():
            _query, results = checked_search(request, default_sort="newest")
            # The entries show the decision text, which the search page defers.
            results = results.defer(None).defer("attachment_text", "search_vector", "meeting__source_text")
            entries = list(results[:ENTRIES])
        params = urlencode([(k, v) for k, v in request.GET.items() if k != "page"])
        return SearchResults(records.printable(request.GET.get("q", ""), limit=300), params, entries)

    def title(self, obj: SearchResults) -> str:
        if obj.raw.strip():
            return _("Søgning: %(query)s") % {"query": obj.raw.strip()}
        return _("Alle beslutninger")

    def subtitle(self, obj: SearchResults) -> str:
        return _("Nye dagsordenspunkter, der matcher søgningen.")

    def link(self, obj: SearchResults) -> str:
        path = reverse("decisions:search")
        return f"{path}?{obj.params}" if obj.params else path

    def items(self, obj: SearchResults) -> list[AgendaItem]:
        return obj.items
