"""People: the index, a councillor's voting record (page and CSV), and committee members per term."""

from __future__ import annotations

import csv

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from decisions import records
from decisions.csv_cells import csv_row
from decisions.views.common import html_errors, paginate, parse_position, parse_year

PEOPLE_PER_PAGE = 50
ROWS_PER_PAGE = 25
CSV_COLUMNS = (
    "date",
    "committee",
    "item_number",
    "item_title",
    "case_number",
    "party",
    "role",
    "position",
    "subject",
    "subject_decided",
    "dissent",
    "party_dissent",
    "sentence",
    "url",
)


@html_errors
def person_index(request: HttpRequest) -> HttpResponse:
    q = records.printable(request.GET.get("q", "")).strip()
    municipality = request.GET.get("municipality", "").strip()[:200]
    page = paginate(request, records.people_index(q=q, municipality=municipality), PEOPLE_PER_PAGE)
    suggestions = records.person_suggestions(text=q) if q and not page.object_list else []
    return render(request, "decisions/person_index.html", {"q": q, "page": page, "suggestions": suggestions})


def _filters(request: HttpRequest) -> dict:
    return {
        "year": parse_year(request),
        "committee": request.GET.get("committee", "").strip() or None,
        "position": parse_position(request),
    }


@html_errors
def person_detail(request: HttpRequest, municipality: str, slug: str) -> HttpResponse:
    page = records.person_page(municipality=municipality, slug=slug, **_filters(request))
    rows = paginate(request, page.rows, ROWS_PER_PAGE)
    return render(request, "decisions/person_detail.html", {"person": page.person, "page": page, "rows": rows})


@html_errors
def person_csv(request: HttpRequest, municipality: str, slug: str) -> HttpResponse:
    """The record's Vote rows (named votes and item-level absences) with the page's filters."""
    page = records.person_page(municipality=municipality, slug=slug, **_filters(request))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{page.person.slug}-stemmer.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    municipality = page.person.municipality.slug  # every row is of the person's municipality
    for row in page.rows:
        vote, item = row.vote, row.vote.item
        meeting = item.meeting
        # Titles, subjects and sentences are the minutes' text: none may be read as a formula (finding 5).
        writer.writerow(
            csv_row(
                [
                    meeting.date,
                    meeting.committee.name,
                    item.number,
                    item.title,
                    item.case_number,
                    vote.party,
                    vote.role,
                    vote.position,
                    vote.subject,
                    row.outcome or (f"majority_{row.side}" if row.side else ""),
                    "yes" if row.dissent else "no",
                    "yes" if row.party_dissent else "no",
                    vote.sentence,
                    request.build_absolute_uri(item_url(item, municipality)),
                ]
            )
        )
    return response


def item_url(item, municipality: str) -> str:
    return reverse(
        "decisions:item-detail", args=[municipality, item.meeting.committee.slug, item.meeting.date, item.number]
    )


@html_errors
def committee_members(request: HttpRequest, municipality: str, committee: str) -> HttpResponse:
    term = request.GET.get("term", "").strip() or None
    members = records.committee_members(municipality=municipality, committee=committee, term=term)
    return render(request, "decisions/committee_members.html", {"members": members, "committee": members.committee})
