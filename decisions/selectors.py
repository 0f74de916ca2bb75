"""Reads that span relations, in one place; views call these and render."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from decisions.models import AgendaItem, Committee, Meeting, MeetingAbsence, Position, Vote
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
        Meeting.objects.select_related("committee")
        .defer("source_text")
        .annotate(item_count=Coalesce(Subquery(item_count), 0))
        .order_by("-date", "committee__name")[:limit]
    )


def committees_with_counts() -> list[Committee]:
    """Committees by name with their meeting counts, cached per archive generation."""
    return cached_per_generation(
        "home-committees",
        lambda: list(Committee.objects.annotate(meeting_count=Count("meetings")).order_by("name")),
        CACHE_SECONDS,
    )


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


def committee_meetings(*, slug: str) -> tuple[Committee, QuerySet[Meeting]]:
    """A committee and its meetings, newest first, with item counts."""
    committee = get_object_or_404(Committee, slug=slug)
    meetings = committee.meetings.defer("source_text").annotate(item_count=Count("items")).order_by("-date")
    return committee, meetings


def meeting_with_items(*, slug: str, date: dt.date) -> Meeting:
    """A meeting with its items (and their named-vote counts) and meeting-level absences."""
    items = AgendaItem.objects.select_related("case").annotate(
        vote_count=Count("votes", filter=~Q(votes__position=Position.ABSENT))
    )
    return get_object_or_404(
        Meeting.objects.select_related("committee").prefetch_related(
            Prefetch("items", queryset=items.order_by("number")),
            Prefetch("absences", queryset=MeetingAbsence.objects.select_related("person")),
        ),
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


def item_detail(*, slug: str, date: dt.date, number: int) -> ItemPage:
    """Everything the agenda item page shows, in a fixed, small number of queries."""
    item = get_object_or_404(
        AgendaItem.objects.select_related("meeting__committee", "case").prefetch_related(
            Prefetch("votes", queryset=Vote.objects.select_related("person").order_by("line", "id")),
            "bloc_votes",
            "attachments",
        ),
        meeting__committee__slug=slug,
        meeting__date=date,
        number=number,
    )
    votes = [v for v in item.votes.all() if v.position != Position.ABSENT]
    absent = [v for v in item.votes.all() if v.position == Position.ABSENT]
    meeting_absences = list(item.meeting.absences.select_related("person"))
    neighbours = list(
        AgendaItem.objects.filter(meeting_id=item.meeting_id)
        .filter(Q(number__lt=number) | Q(number__gt=number))
        .values_list("number", flat=True)
        .order_by("number")
    )
    previous_number = max((n for n in neighbours if n < number), default=None)
    next_number = min((n for n in neighbours if n > number), default=None)
    return ItemPage(item, votes, absent, meeting_absences, previous_number, next_number)
