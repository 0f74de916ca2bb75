"""Shared by the journalists' pages: strict parameter parsing, 400 and helpful 404 answers,
and redirects from a merged person's old URLs."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.core.paginator import EmptyPage, Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.encoding import iri_to_uri
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from decisions import search as item_search
from decisions.models import Outcome, Position
from decisions.records import InvalidParameter, NotFoundWithSuggestions, PersonMoved

MAX_PAGE = 100_000
SEARCH_TIMED_OUT = gettext_lazy(
    "Søgningen tog for lang tid og blev afbrudt. Prøv igen med flere eller mere præcise ord, "
    "eller afgræns med år eller udvalg."
)


def parse_year(request: HttpRequest) -> int | None:
    raw = request.GET.get("year", "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or not 1900 <= int(raw) <= 2200:
        raise InvalidParameter("year", _("Året skal være et årstal med fire cifre, fx 2019."))
    return int(raw)


def parse_position(request: HttpRequest) -> str:
    raw = request.GET.get("position", "").strip()
    if raw and raw not in Position.values:
        raise InvalidParameter(
            "position", _("Stillingen skal være en af: %(values)s.") % {"values": ", ".join(Position.values)}
        )
    return raw


def parse_page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "").strip()
    if not raw:
        return 1
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise InvalidParameter("page", _("Sidetallet skal være et helt tal fra 1 og op."))
    return int(raw)


def paginate(request: HttpRequest, object_list, per_page: int) -> Page:
    """One page of `object_list`; a malformed page number is a 400, one past the end a 404."""
    number = parse_page_number(request)
    paginator = Paginator(object_list, per_page)
    try:
        return paginator.page(number)
    except EmptyPage:  # an empty list still has its page 1
        raise NotFoundWithSuggestions(kind="page", query=str(number), suggestions=[]) from None


def checked_search(request: HttpRequest, *, default_sort: str) -> tuple[item_search.ParsedQuery, QuerySet]:
    """The search page's query, filters and order from a query string, strictly: an unknown
    sort or a filter value that cannot be used is an InvalidParameter (the page ignores them)."""
    query = item_search.parse_query(request.GET.get("q", ""))
    sort = request.GET.get("sort", "").strip() or default_sort
    if sort not in item_search.SORTS:
        raise InvalidParameter(
            "sort", _("Sorteringen skal være en af: %(values)s.") % {"values": ", ".join(item_search.SORTS)}
        )
    if query.is_empty and sort == "relevance":
        sort = "newest"
    results, filterset = item_search.search_items(query=query, filter_data=request.GET, sort=sort)
    if filterset.errors:
        name = sorted(filterset.errors)[0]
        raise InvalidParameter(name, _filter_message(name))
    return query, results


def _filter_message(name: str) -> str:
    messages = {
        "year": _("Året skal være et årstal med fire cifre, fx 2019."),
        "committee": _("Der er intet udvalg med det korte navn."),
        "category": _("Kategorien skal være A, B, C eller D."),
        "outcome": _("Udfaldet skal være en af: %(values)s.") % {"values": ", ".join(Outcome.values)},
        "votes": _("votes skal være true eller false."),
    }
    return messages.get(name, _("Filteret %(name)s har en værdi, der ikke kan bruges.") % {"name": name})


def bad_request(request: HttpRequest, error: InvalidParameter) -> HttpResponse:
    return render(
        request,
        "decisions/bad_request.html",
        {"parameter": error.name, "message": error.message},
        status=400,
    )


def not_found(request: HttpRequest, error: NotFoundWithSuggestions) -> HttpResponse:
    return render(
        request,
        "decisions/not_found.html",
        {"kind": error.kind, "query": error.query, "suggestions": error.suggestions},
        status=404,
    )


def person_moved(request: HttpRequest, moved: PersonMoved) -> HttpResponsePermanentRedirect:
    """The same route (page, CSV, feed or API) for the person the slug now belongs to, with the
    same query string, so that links to a merged person's pages keep working."""
    match = request.resolver_match
    url = reverse(match.view_name, kwargs={**match.kwargs, "slug": moved.slug})
    query = request.META.get("QUERY_STRING", "")  # as sent, encoded like request.get_full_path()
    return HttpResponsePermanentRedirect(f"{url}?{iri_to_uri(query)}" if query else url)


def search_stopped(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    """The search form with why this search was not answered: out of time (503) or refused (400)."""
    context = {"raw_query": request.GET.get("q", ""), "message": message, "timed_out": status == 503}
    return render(request, "decisions/search_stopped.html", context, status=status)


def html_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer InvalidParameter with a 400 page, NotFoundWithSuggestions with a 404 page, a
    merged person's old slug with a 301 to their new one, and a search that ran out of time
    with a 503 page."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except InvalidParameter as error:
            return bad_request(request, error)
        except NotFoundWithSuggestions as error:
            return not_found(request, error)
        except PersonMoved as moved:
            return person_moved(request, moved)
        except item_search.SearchTimedOut:
            return search_stopped(request, SEARCH_TIMED_OUT, status=503)

    return wrapped


def _not_found_message(error: NotFoundWithSuggestions) -> str:
    messages = {
        "case": _("Ingen sag har nummeret %(query)s."),
        "person": _("Ingen person har det korte navn %(query)s."),
        "meeting": _("Intet møde har id %(query)s."),
        "page": _("Side %(query)s findes ikke."),
    }
    return messages.get(error.kind, _("%(query)s findes ikke.")) % {"query": error.query}


def json_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The same for the JSON API: {"error": …} with 400 or 404 (and suggestions), and the same 301."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except InvalidParameter as error:
            return JsonResponse(
                {"error": error.message, "parameter": error.name}, status=400, json_dumps_params={"ensure_ascii": False}
            )
        except NotFoundWithSuggestions as error:
            body = {"error": _not_found_message(error)}
            if error.kind in ("case", "person", "party"):
                body["suggestions"] = [key for _municipality, key, _label in error.suggestions]
            return JsonResponse(body, status=404, json_dumps_params={"ensure_ascii": False})
        except PersonMoved as moved:
            return person_moved(request, moved)
        except item_search.SearchTimedOut:
            return JsonResponse({"error": str(SEARCH_TIMED_OUT)}, status=503, json_dumps_params={"ensure_ascii": False})

    return wrapped
