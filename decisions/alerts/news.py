"""What is new for one subscription: the matching items (or meetings) of the meetings written
since it last looked, less what it has been sent, with the semantics of the page it was made on:
- a search: the search page's words, phrases, exclusions and filters (search.search_items);
- a case: its treatments (items with its number);
- a person: the items they are named in (a vote or an item-level absence) and the meetings
  they were absent from;
- a committee: its meetings, each with its items.

"Since it last looked" is by archive generation (Meeting.written_generation), not by clock:
generations commit in order, so a meeting written by a transaction still open when a run
looked is found by the next run."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from decisions import search as item_search
from decisions.filters import filter_choices
from decisions.models import (
    LISTED_ITEM_DEFERRED,
    AgendaItem,
    AlertKind,
    AlertSent,
    AlertSubscription,
    Meeting,
    MeetingAbsence,
    Vote,
)

log = logging.getLogger(__name__)


@dataclass
class Entry:
    """One thing to tell: an item, or a whole meeting (item None) with its items listed."""

    meeting: Meeting
    item: AgendaItem | None = None
    items: list[AgendaItem] = field(default_factory=list)  # a committee's meeting: its agenda
    positions: list[Vote] = field(default_factory=list)  # a person's votes on the item
    absent: bool = False  # a person absent from the whole meeting

    @property
    def key(self) -> tuple[int, int, str]:
        """The ledger's key (AlertSent): meeting, item number (0: the meeting), agenda or minutes."""
        return (self.meeting.pk, self.item.number if self.item else 0, self.meeting.kind)

    @property
    def order(self) -> tuple:
        return (self.meeting.date, self.meeting.committee.name, self.item.number if self.item else 0)


def new_meetings(subscription: AlertSubscription, *, upto: int) -> QuerySet[Meeting]:
    return Meeting.objects.filter(written_generation__gt=subscription.checked_generation, written_generation__lte=upto)


def _items(queryset: QuerySet[AgendaItem]) -> QuerySet[AgendaItem]:
    return queryset.select_related("meeting__committee__municipality").defer(
        *LISTED_ITEM_DEFERRED, "meeting__source_text"
    )


def _search_items(
    subscription: AlertSubscription, meetings: QuerySet[Meeting], choices: tuple | None
) -> list[AgendaItem]:
    query = item_search.parse_query(subscription.search_query)
    committees, municipalities = choices or filter_choices()
    try:
        results, _filters = item_search.search_items(
            query=query,
            filter_data=subscription.search_filters,
            sort="newest",
            committee_choices=committees,
            municipality_choices=municipalities,
        )
    except item_search.QueryRefused as refused:
        # Checked when it was made; refused since only if the archive grew around its phrase.
        log.warning("search alert %s not run: %s", subscription.pk, refused.message)
        return []
    return list(_items(results.filter(meeting__in=meetings)))


def new_entries(subscription: AlertSubscription, *, upto: int, choices: tuple | None = None) -> list[Entry]:
    """The entries to send `subscription` for the meetings written up to generation `upto`,
    oldest meeting first, none it has been sent before. `choices`: filters.filter_choices(),
    when the caller has read them already."""
    meetings = new_meetings(subscription, upto=upto)
    kind = subscription.kind
    entries: list[Entry]
    if kind == AlertKind.SEARCH:
        entries = [Entry(item.meeting, item) for item in _search_items(subscription, meetings, choices)]
    elif kind == AlertKind.CASE:
        items = _items(AgendaItem.objects.filter(case_id=subscription.case_id, meeting__in=meetings))
        entries = [Entry(item.meeting, item) for item in items]
    elif kind == AlertKind.PERSON:
        votes = (
            Vote.objects.filter(person_id=subscription.person_id, item__meeting__in=meetings)
            .select_related("item__meeting__committee__municipality")
            .defer(*(f"item__{name}" for name in LISTED_ITEM_DEFERRED), "item__meeting__source_text")
            .order_by("line", "id")
        )
        by_item: dict[int, Entry] = {}
        for vote in votes:
            by_item.setdefault(vote.item_id, Entry(vote.item.meeting, vote.item)).positions.append(vote)
        absences = MeetingAbsence.objects.filter(person_id=subscription.person_id, meeting__in=meetings).select_related(
            "meeting__committee__municipality"
        )
        entries = [*by_item.values(), *(Entry(a.meeting, absent=True) for a in absences.defer("meeting__source_text"))]
    else:
        listed = AgendaItem.objects.defer(*LISTED_ITEM_DEFERRED).order_by("number")
        committee_meetings = (
            meetings.filter(committee_id=subscription.committee_id)
            .select_related("committee__municipality")
            .defer("source_text")
            .prefetch_related(Prefetch("items", queryset=listed))
        )
        entries = [Entry(meeting, items=list(meeting.items.all())) for meeting in committee_meetings]
    if not entries:
        return []
    sent = set(
        AlertSent.objects.filter(
            subscription=subscription, meeting_id__in={entry.meeting.pk for entry in entries}
        ).values_list("meeting_id", "number", "kind")
    )
    return sorted((entry for entry in entries if entry.key not in sent), key=lambda entry: entry.order)
