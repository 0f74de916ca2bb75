"""Reads that span relations, in one place; views call these and render."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from decisions.models import (
    AgendaItem,
    Committee,
    Meeting,
    MeetingAbsence,
    MeetingMember,
    Municipality,
    Position,
    Vote,
)
from decisions.search import cached_per_generation

CACHE_SECONDS = 3600


def latest_meetings(*, limit: int = 10) -> QuerySet[Meeting]:
    """Most recent meetings with their committee and item count."""
    # Counted per meeting shown: an annotated Count would count every meeting's items first.
    item_count = (
        AgendaItem.objects.filter(meeting=OuterRef("pk"))
        .order_by()
        .values("meeting")
        .annotate(n=Count("*"))
        .values("n")
    )
    return (
        Meeting.objects.select_related("committee__municipality")
        .defer("source_text")
        .annotate(item_count=Coalesce(Subquery(item_count), 0))
        .order_by("-date", "committee__name")[:limit]
    )


def committees_with_counts(*, municipality: Municipality | None = None) -> list[Committee]:
    """Committees by name (of one municipality, or all) with their meeting counts, cached per
    archive generation."""
    committees = Committee.objects.select_related("municipality").annotate(meeting_count=Count("meetings"))
    if municipality is not None:
        committees = committees.filter(municipality=municipality)
    key = f"committees-{municipality.pk}" if municipality is not None else "home-committees"
    return cached_per_generation(key, lambda: list(committees.order_by("name", "municipality__name")), CACHE_SECONDS)


def municipalities_with_counts() -> list[Municipality]:
    """The municipalities and regions in the archive, by name, with their committee and meeting
    counts, cached per archive generation."""
    return cached_per_generation(
        "home-municipalities",
        lambda: list(
            Municipality.objects.annotate(
                committee_count=Count("committees", distinct=True),
                meeting_count=Count("committees__meetings", distinct=True),
            )
            .filter(committee_count__gt=0)
            .order_by("name")
        ),
        CACHE_SECONDS,
    )


@dataclass
class MunicipalityPage:
    municipality: Municipality
    committees: list[Committee]
    meetings: QuerySet[Meeting]


def municipality_page(*, slug: str, meetings: int = 10) -> MunicipalityPage:
    """A municipality, its committees with meeting counts and its latest meetings."""
    municipality = get_object_or_404(Municipality, slug=slug)
    latest = (
        Meeting.objects.select_related("committee__municipality")
        .defer("source_text")
        .filter(committee__municipality=municipality)
        .annotate(item_count=Count("items"))
        .order_by("-date", "committee__name")[:meetings]
    )
    return MunicipalityPage(municipality, committees_with_counts(municipality=municipality), latest)


def archive_counts() -> dict[str, int]:
    """Headline figures for the home page, cached per archive generation."""
    return cached_per_generation(
        "home-counts",
        lambda: {
            "meetings": Meeting.objects.count(),
            "items": AgendaItem.objects.count(),
            "votes": Vote.objects.exclude(position=Position.ABSENT).count(),
        },
        CACHE_SECONDS,
    )


def committee_meetings(*, municipality: str, slug: str) -> tuple[Committee, QuerySet[Meeting]]:
    """A municipality's committee and its meetings, newest first, with item counts."""
    committee = get_object_or_404(
        Committee.objects.select_related("municipality"), municipality__slug=municipality, slug=slug
    )
    meetings = committee.meetings.defer("source_text").annotate(item_count=Count("items")).order_by("-date")
    return committee, meetings


def meeting_with_items(*, municipality: str, slug: str, date: dt.date) -> Meeting:
    """A meeting with its items (and their named-vote counts), its members and meeting-level absences."""
    items = AgendaItem.objects.select_related("case").annotate(
        vote_count=Count("votes", filter=~Q(votes__position=Position.ABSENT))
    )
    return get_object_or_404(
        Meeting.objects.select_related("committee__municipality").prefetch_related(
            Prefetch("items", queryset=items.order_by("number")),
            Prefetch("absences", queryset=MeetingAbsence.objects.select_related("person__municipality")),
            Prefetch("members", queryset=MeetingMember.objects.select_related("person__municipality")),
        ),
        committee__municipality__slug=municipality,
        committee__slug=slug,
        date=date,
    )


@dataclass
class ItemPage:
    item: AgendaItem
    votes: list[Vote]
    absent: list[Vote]
    meeting_absences: list[MeetingAbsence]
    previous_number: int | None
    next_number: int | None

    @property
    def has_attachment_section(self) -> bool:
        """Odense's minutes list attachments in a Bilag section; the exports list them apart."""
        return any(section["kind"] == "bilag" for section in self.item.sections)


def item_detail(*, municipality: str, slug: str, date: dt.date, number: int) -> ItemPage:
    """Everything the agenda item page shows, in a fixed, small number of queries."""
    item = get_object_or_404(
        AgendaItem.objects.select_related("meeting__committee__municipality", "case").prefetch_related(
            Prefetch("votes", queryset=Vote.objects.select_related("person__municipality").order_by("line", "id")),
            "bloc_votes",
            "attachments",
        ),
        meeting__committee__municipality__slug=municipality,
        meeting__committee__slug=slug,
        meeting__date=date,
        number=number,
    )
    votes = [v for v in item.votes.all() if v.position != Position.ABSENT]
    absent = [v for v in item.votes.all() if v.position == Position.ABSENT]
    meeting_absences = list(item.meeting.absences.select_related("person__municipality"))
    neighbours = list(
        AgendaItem.objects.filter(meeting_id=item.meeting_id)
        .filter(Q(number__lt=number) | Q(number__gt=number))
        .values_list("number", flat=True)
        .order_by("number")
    )
    previous_number = max((n for n in neighbours if n < number), default=None)
    next_number = min((n for n in neighbours if n > number), default=None)
    return ItemPage(item, votes, absent, meeting_absences, previous_number, next_number)
