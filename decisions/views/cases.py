"""Case pages: every agenda item with one case number, across meetings."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from decisions import selectors


def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    case, items = selectors.case_timeline(number=number)
    return render(request, "decisions/case_detail.html", {"case": case, "items": items})
