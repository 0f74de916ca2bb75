"""What every request goes through: the archive generation read once, parameters PostgreSQL
cannot store refused before any view sees them, the site's security headers, and which
requests may read from a streaming replica."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from archive.routers import ReplicaReads
from decisions.search import generation_scope

Handler = Callable[[HttpRequest], HttpResponse]


def archive_generation(get_response: Handler) -> Handler:
    """The archive generation is read from its row once a request (cache keys include it)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        with generation_scope():
            return get_response(request)

    return middleware


def replica_reads_allowed(request: HttpRequest) -> bool:
    """Anonymous reads of the public site and the API: GET or HEAD, no session cookie (an editor
    who has just saved reads their own writes from the primary), outside the admin and the
    alerts' pages (a confirmation link followed a second after subscribing finds its row)."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.path_info.startswith(("/admin/", "/alerts/"))
    )


def read_replicas(get_response: Handler) -> Handler:
    """Lets the requests of replica_reads_allowed read the archive from a streaming replica
    (archive.routers); all others, and everything outside a request, use the primary."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if not settings.ARCHIVE_REPLICAS or not replica_reads_allowed(request):
            return get_response(request)
        reads = ReplicaReads()
        with reads.active():
            response = get_response(request)
        if response.streaming and not response.is_async:
            # A streamed body (votes.csv) is read from the database as it is sent, after this returns.
            response.streaming_content = reads.streamed(response.streaming_content)
        return response

    return middleware


def _nul_parameter(request: HttpRequest) -> str | None:
    """The name of the first part of the request that holds a NUL character, if any."""
    if "\x00" in request.path:
        return "path"
    for name, values in request.GET.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            return name.replace("\x00", "")
    return None


def refuse_nul(get_response: Handler) -> Handler:
    """A NUL character in the path or a query parameter is a 400: PostgreSQL's text cannot hold
    one, so a lookup with it failed as a 500 (`/api/meetings/?committee=%00`). Once here for
    every route and parameter, in the API's JSON where the API was asked."""

    def middleware(request: HttpRequest) -> HttpResponse:
        name = _nul_parameter(request)
        if name is None:
            return get_response(request)
        message = _("Teksten indeholder et tegn (NUL), som ikke kan bruges.")
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"error": message, "parameter": name}, status=400, json_dumps_params={"ensure_ascii": False}
            )
        from decisions.records import InvalidParameter
        from decisions.views.common import bad_request

        return bad_request(request, InvalidParameter(name, message))

    return middleware


def security_headers(get_response: Handler) -> Handler:
    """Content-Security-Policy and Permissions-Policy on every answer that has none of its own
    (uploaded media set a stricter one). The public site has no JavaScript and no inline
    styles; the admin's scripts and styles are files of its own origin."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.ARCHIVE_CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", settings.ARCHIVE_PERMISSIONS_POLICY)
        return response

    return middleware
