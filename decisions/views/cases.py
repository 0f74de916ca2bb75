"""Case pages: every agenda item with one case number, across meetings; the case index."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from decisions import records
from decisions.minutes import normalize_case_number
from decisions.minutes.parser import CASE_NUMBER
from decisions.views.common import html_errors, paginate

CASES_PER_PAGE = 100


@html_errors
def case_detail(request: HttpRequest, municipality: str, number: str) -> HttpResponse:
    canonical = normalize_case_number(number)
    if canonical != number and CASE_NUMBER.match(canonical):
        return redirect("decisions:case-detail", municipality=municipality, number=canonical, permanent=True)
    page = records.case_page(municipality=municipality, number=canonical)
    return render(request, "decisions/case_detail.html", {"case": page.case, "page": page})


@html_errors
def case_index(request: HttpRequest) -> HttpResponse:
    index = records.case_index(
        prefix=request.GET.get("prefix", ""), municipality=request.GET.get("municipality", "")[:200]
    )
    page = paginate(request, index.cases, CASES_PER_PAGE)
    return render(request, "decisions/case_index.html", {"index": index, "page": page})
