"""The public site: home, municipalities, committees, meetings, agenda items and search."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from decisions import search as item_search
from decisions import selectors
from decisions.alerts import targets as alert_targets
from decisions.filters import filter_choices
from decisions.views.common import html_errors, search_stopped


def home(request: HttpRequest) -> HttpResponse:
    municipalities = selectors.municipalities_with_counts()
    several = len(municipalities) > 1
    return render(
        request,
        "decisions/home.html",
        {
            "meetings": selectors.latest_meetings(),
            "municipalities": municipalities,
            "show_municipality": several,
            # An archive of one municipality lists its committees here; of several (the whole
            # country: a thousand committees), each municipality's page does.
            "committees": [] if several else selectors.committees_with_counts(),
            "counts": selectors.archive_counts(),
        },
    )


def municipality_detail(request: HttpRequest, municipality: str) -> HttpResponse:
    page = selectors.municipality_page(slug=municipality)
    return render(request, "decisions/municipality_detail.html", {"page": page, "municipality": page.municipality})


def committee_detail(request: HttpRequest, municipality: str, committee: str) -> HttpResponse:
    committee_obj, meetings = selectors.committee_meetings(municipality=municipality, slug=committee)
    return render(request, "decisions/committee_detail.html", {"committee": committee_obj, "meetings": meetings})


def meeting_detail(request: HttpRequest, municipality: str, committee: str, date: dt.date) -> HttpResponse:
    meeting = selectors.meeting_with_items(municipality=municipality, slug=committee, date=date)
    return render(request, "decisions/meeting_detail.html", {"meeting": meeting})


def meeting_source(request: HttpRequest, municipality: str, committee: str, date: dt.date) -> HttpResponse:
    """The minutes text as ingested, served as plain text (never as HTML)."""
    meeting = selectors.meeting_with_items(municipality=municipality, slug=committee, date=date)
    response = HttpResponse(meeting.source_text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{meeting.committee.slug}-{meeting.date}.txt"'
    return response


def item_detail(request: HttpRequest, municipality: str, committee: str, date: dt.date, number: int) -> HttpResponse:
    page = selectors.item_detail(municipality=municipality, slug=committee, date=date, number=number)
    return render(request, "decisions/item_detail.html", {"page": page, "item": page.item})


@html_errors
def search(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("q", "")
    cases = item_search.find_cases(raw)
    if cases.exact:
        return redirect("decisions:case-detail", municipality=cases.exact.municipality.slug, number=cases.exact.number)
    query = item_search.parse_query(raw)
    sort = request.GET.get("sort", "relevance")
    if sort not in item_search.SORTS:
        sort = "relevance"
    if query.is_empty and sort == "relevance":
        sort = "newest"
    committees, municipalities = filter_choices()
    with item_search.index_matching():
        try:
            results, filterset = item_search.search_items(
                query=query,
                filter_data=request.GET,
                sort=sort,
                committee_choices=committees,
                municipality_choices=municipalities,
            )
        except item_search.QueryRefused as refused:
            return search_stopped(request, refused.message, status=400)
        paginator = Paginator(item_search.CappedResults(results), item_search.RESULTS_PER_PAGE)
        page = paginator.get_page(request.GET.get("page"))
        items = list(page.object_list)
        snippets = item_search.snippets([i.pk for i in items], query)
        facets = item_search.facet_counts(
            query=query,
            filter_data=request.GET,
            committee_choices=committees,
            municipality_choices=municipalities,
        )
    for item in items:
        item.snippet = snippets.get(item.pk)
    suggestions = item_search.suggestions(raw) if raw.strip() and not items and not cases.partial else []
    return render(
        request,
        "decisions/search.html",
        {
            "raw_query": raw,
            "query": query,
            "sort": sort,
            "sorts": item_search.SORT_LABELS,
            "page": page,
            "items": items,
            "capped": paginator.object_list.capped,
            "count_cap": item_search.COUNT_CAP,
            "filterset": filterset,
            "facets": facets,
            # Results name their municipality when the matches span more than one.
            "show_municipality": len(facets.get("municipality", ())) > 1,
            "cases": cases.partial,
            "suggestions": suggestions,
            "invalid_filters": sorted(filterset.errors) if filterset.is_bound else [],
            # The subscribe form's fields, when there is a search to follow.
            "alert_fields": alert_targets.search_fields(request.GET)
            if raw.strip() or any(request.GET.get(name, "").strip() for name in alert_targets.SEARCH_FILTERS)
            else [],
        },
    )
