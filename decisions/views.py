from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from decisions import selectors


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "decisions/home.html", {"meetings": selectors.latest_meetings()})
