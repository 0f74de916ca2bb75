"""The archive's URLs from before municipalities (/meetings/…, /cases/…, /people/…): 301 to
the same page under the default municipality, so that a link printed in a newspaper keeps working."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponsePermanentRedirect
from django.urls import Resolver404, get_script_prefix, resolve

from decisions.models import Municipality
from decisions.services import danish_slug


def default_municipality(
    request: HttpRequest, rest: str, section: str, api: bool = False
) -> HttpResponsePermanentRedirect:
    from django.conf import settings

    municipality = Municipality.objects.filter(name__iexact=settings.ARCHIVE_DEFAULT_MUNICIPALITY).first()
    slug = municipality.slug if municipality else danish_slug(settings.ARCHIVE_DEFAULT_MUNICIPALITY)
    target = f"{get_script_prefix()}{'api/' if api else ''}{slug}/{section}/{rest}"
    try:
        resolve(target[len(get_script_prefix()) - 1 :])
    except Resolver404:
        raise Http404("no such page") from None
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)
