"""Template helpers for the journalists' pages: party names, position choices, record rows."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from decisions.models import Position
from decisions.parties import PARTIES
from decisions.templatetags.archive import display, fast_url

register = template.Library()


@register.filter
def party_name(letter: str) -> str:
    """The name of a party letter ("Ø" → "Enhedslisten"), or "" if it is not a known party."""
    return PARTIES.get(letter or "", "")


@register.simple_tag
def position_choices() -> list[tuple[str, str]]:
    return list(Position.choices)


@register.simple_tag
def party_list() -> list[tuple[str, str]]:
    return list(PARTIES.items())


_RECORD_ROW = (
    '<tr class="position-{}{}">\n'
    '      <td><span class="date">{}</span><br><span class="count">{}</span></td>\n'
    '      <td><a href="{}">{}. {}</a></td>\n'
    "      <td>{}</td>\n"
    "      <td>{}</td>\n"
    "      <td>{}{}{}{}</td>\n"
    "      <td>{}</td>\n"
    '      <td class="sentence">{}</td>\n'
    "    </tr>"
)


@register.simple_tag
def record_rows(rows: Iterable, municipality: str) -> SafeString:
    """The rows of a person's record table (records.RecordRow), each vote's item linked (all in
    the person's `municipality`, its slug).

    One pass in Python, every value escaped by format_html: as template nodes the 25 rows of
    a page cost 3-5 ms of a 22 ms person page, most of it looking up dotted names."""
    dissent = format_html(' <span class="flag flag-dissent">{}</span>', _("imod beslutningen"))
    party_dissent = format_html(' <span class="flag flag-party">{}</span>', _("mod partiet"))
    return format_html_join("", _RECORD_ROW, (_record_row(row, municipality, dissent, party_dissent) for row in rows))


def _record_row(row, municipality: str, dissent: SafeString, party_dissent: SafeString) -> tuple:
    vote = row.vote
    item = vote.item
    meeting = item.meeting
    committee = meeting.committee
    case = item.case_number
    case_cell = (
        format_html(
            '<a class="case-number" href="{}">{}</a>',
            fast_url("decisions:case-detail", municipality, case),
            case,
        )
        if case
        else "–"
    )
    # Only a known party's letter is a link, as in includes/party.html: a stored value that is
    # no party letter ("/") is text, never a reversed URL that fails the page (finding 7).
    if vote.party in PARTIES:
        party = format_html(
            ' (<a class="party" href="{}">{}</a>)', fast_url("decisions:party-detail", vote.party), vote.party
        )
    else:
        party = format_html(" ({})", vote.party) if vote.party else ""
    return (
        vote.position,
        mark_safe(" dissent") if row.dissent else "",
        meeting.date.isoformat(),
        committee.name,
        fast_url("decisions:item-detail", municipality, committee.slug, meeting.date, item.number),
        item.number,
        item.title,
        case_cell,
        vote.subject or "–",
        display(vote, "position"),
        party,
        dissent if row.dissent else "",
        party_dissent if row.party_dissent else "",
        row.decided_label or "–",
        vote.sentence,
    )
