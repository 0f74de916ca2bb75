"""The open data: read-only JSON (paginated as {"count", "results", "next"}) and CSV.

Plain Django views returning JsonResponse. Malformed parameters answer 400 with
{"error", "parameter"}; unknown objects 404 with {"error"} (and "suggestions" for cases
and people). Dates are ISO 8601; `position` is for/against/abstain/reservation/absent.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import re

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from decisions import records
from decisions import search as item_search
from decisions.csv_cells import csv_row
from decisions.views.common import checked_search, json_errors, paginate, parse_page_number

MEETINGS_PER_PAGE = 20
PEOPLE_PER_PAGE = 50
VOTES_CSV_COLUMNS = (
    "date",
    "municipality",
    "committee",
    "item_number",
    "case_number",
    "person",
    "party",
    "position",
    "subject",
)


def _next_url(request: HttpRequest, page) -> str | None:
    if not page.has_next():
        return None
    params = request.GET.copy()
    params["page"] = page.next_page_number()
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


def _paginated(request: HttpRequest, page, results: list) -> JsonResponse:
    return JsonResponse(
        {"count": page.paginator.count, "results": results, "next": _next_url(request, page)},
        json_dumps_params={"ensure_ascii": False},
    )


def _json(data: dict) -> JsonResponse:
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


def _url(request: HttpRequest, name: str, *args) -> str:
    return request.build_absolute_uri(reverse(f"decisions:{name}", args=args))


def _meeting_json(request: HttpRequest, meeting) -> dict:
    municipality, slug = meeting.committee.municipality, meeting.committee.slug
    return {
        "id": meeting.pk,
        "municipality": municipality.name,
        "municipality_slug": municipality.slug,
        "committee": meeting.committee.name,
        "kind": meeting.kind,
        "date": meeting.date.isoformat(),
        "start_time": meeting.start_time.strftime("%H:%M") if meeting.start_time else None,
        "location": meeting.location,
        "term": meeting.term,
        "url": _url(request, "meeting-detail", municipality.slug, slug, meeting.date),
        # Whole-meeting absence: "absent", or "apologies" (afbud) where the member list says so.
        "absent": [
            {
                "person": absence.person.name,
                "person_slug": absence.person.slug,
                "party": absence.party or absence.person.party or None,
                "reason": absence.reason,
            }
            for absence in meeting.absences.all()
        ],
        "items": [
            {
                "number": item.number,
                "title": item.title,
                "category": item.category or None,
                "closed": item.closed,
                "case_number": item.case_number or None,
                # This meeting's decision; an agenda has none (its items are not decided yet).
                "decision": (item.decision or None) if meeting.kind == "minutes" else None,
                "outcome": item.outcome,
                "earlier_decisions": item.earlier_decisions,
                "tallies": item.tallies,
                "attachments": [a.title for a in item.attachments.all()],
                "votes": [
                    {
                        "person": vote.person.name,
                        "person_slug": vote.person.slug,
                        "party": vote.party or None,
                        "position": vote.position,
                        "subject": vote.subject,
                    }
                    for vote in item.votes.all()
                ],
                "url": _url(request, "item-detail", municipality.slug, slug, meeting.date, item.number),
            }
            for item in meeting.items.all()
        ],
    }


def _person_json(person, record: tuple[list[tuple], list[tuple]]) -> dict:
    rows, meeting_absences = record
    votes, absences = [], []
    for date, committee, number, case_number, subject, position in rows:
        if position == "absent":
            absences.append((date, number, committee))
        else:
            votes.append(
                {
                    "date": date.isoformat(),
                    "committee": committee,
                    "item_number": number,
                    "case_number": case_number or None,
                    "subject": subject,
                    "position": position,
                }
            )
    absences += [(date, None, committee) for date, committee in meeting_absences]
    absences.sort(key=lambda a: (a[0], a[1] or 0))
    return {
        "name": person.name,
        "slug": person.slug,
        "municipality": person.municipality.name,
        "municipality_slug": person.municipality.slug,
        "party": person.party or None,
        "aliases": [alias.name for alias in person.aliases.all()],
        "votes": votes,
        "absences": [{"date": d.isoformat(), "committee": c, "item_number": n} for d, n, c in absences],
    }


def _parse_date(request: HttpRequest) -> dt.date | None:
    raw = request.GET.get("date", "").strip()
    if not raw:
        return None
    message = _("Datoen skal skrives ÅÅÅÅ-MM-DD, fx 2019-03-05.")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        raise records.InvalidParameter("date", message)
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:  # 2019-02-30
        raise records.InvalidParameter("date", message) from None


@json_errors
def meetings(request: HttpRequest) -> JsonResponse:
    queryset = records.meetings_with_items(
        date=_parse_date(request),
        committee=request.GET.get("committee", "").strip() or None,
        municipality=request.GET.get("municipality", "").strip() or None,
    )
    page = paginate(request, queryset, MEETINGS_PER_PAGE)
    return _paginated(request, page, [_meeting_json(request, m) for m in page.object_list])


@json_errors
def meeting_detail(request: HttpRequest, pk: int) -> JsonResponse:
    return _json(_meeting_json(request, records.meeting_by_id(pk=pk)))


@json_errors
def case_detail(request: HttpRequest, municipality: str, number: str) -> JsonResponse:
    page = records.case_page(municipality=municipality, number=number)
    return _json(
        {
            "case_number": page.case.number,
            "municipality": page.case.municipality.name,
            "municipality_slug": page.case.municipality.slug,
            "items": [
                {
                    "meeting_date": e.item.meeting.date.isoformat(),
                    "committee": e.item.meeting.committee.name,
                    "kind": e.item.meeting.kind,
                    "number": e.item.number,
                    "title": e.item.title,
                    "decision": (e.item.decision or None) if e.item.meeting.kind == "minutes" else None,
                    "outcome": e.item.outcome,
                    "earlier_decisions": e.item.earlier_decisions,
                    "url": _url(
                        request,
                        "item-detail",
                        municipality,
                        e.item.meeting.committee.slug,
                        e.item.meeting.date,
                        e.item.number,
                    ),
                }
                for e in page.entries
            ],
        }
    )


@json_errors
def people(request: HttpRequest) -> JsonResponse:
    page = paginate(request, records.people_with_record(q=request.GET.get("q", "")), PEOPLE_PER_PAGE)
    people = list(page.object_list)
    plain = records.plain_records(people)
    return _paginated(request, page, [_person_json(p, plain[p.pk]) for p in people])


@json_errors
def person_detail(request: HttpRequest, municipality: str, slug: str) -> JsonResponse:
    person = records.person_with_record(municipality=municipality, slug=slug)
    return _json(_person_json(person, records.plain_records([person])[person.pk]))


def _plain_snippet(snippet: str | None) -> str | None:
    return html.unescape(re.sub(r"</?mark>", "", snippet)) if snippet else None


@json_errors
def search(request: HttpRequest) -> JsonResponse:
    """The search page's results as JSON: same query syntax, filters and order."""
    parse_page_number(request)
    with item_search.index_matching():
        query, results = checked_search(request, default_sort="relevance")
        page = paginate(request, item_search.CappedResults(results), item_search.RESULTS_PER_PAGE)
        items = list(page.object_list)
        snippets = item_search.snippets([i.pk for i in items], query)
    return _paginated(
        request,
        page,
        [
            {
                "title": item.title,
                "url": _url(
                    request,
                    "item-detail",
                    item.meeting.committee.municipality.slug,
                    item.meeting.committee.slug,
                    item.meeting.date,
                    item.number,
                ),
                "meeting_date": item.meeting.date.isoformat(),
                "municipality": item.meeting.committee.municipality.name,
                "committee": item.meeting.committee.name,
                "number": item.number,
                "case_number": item.case_number or None,
                "outcome": item.outcome,
                "snippet": _plain_snippet(snippets.get(item.pk)),
            }
            for item in items
        ],
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def votes_csv(request: HttpRequest) -> HttpResponse:
    """Every Vote row (named votes and item-level absences), streamed, oldest meeting first."""
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(VOTES_CSV_COLUMNS)
        for row in records.vote_rows():
            yield writer.writerow(csv_row(row))  # dates in ISO 8601, no text read as a formula (finding 5)

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="stemmer.csv"'
    return response
