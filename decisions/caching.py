"""HTTP caching of the public site, keyed by the archive generation.

The archive changes only when minutes are loaded or corrected, and every such change starts a
new archive generation (decisions.signals). So an anonymous GET of a public page, feed or API
answer is the same until the generation changes:
- its ETag is the generation and the request (URL with query string, host, language), so a
  conditional GET answers 304 without running the view, and Last-Modified is when the
  generation began;
- `Cache-Control: public, max-age=ARCHIVE_CACHE_SECONDS` lets a reverse proxy or a CDN serve
  repeats for that long;
- the whole answer is kept in Django's cache under the same key (ARCHIVE_PAGE_CACHE), so that
  loading new minutes makes every cached page stale at once, without deleting any.
Anything else (the admin, a request with a session cookie, other methods, uploaded media, the
health checks) is `private, no-store`, never kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.utils.translation import get_language

from decisions.search import archive_state

Handler = Callable[[HttpRequest], HttpResponse]
# Paths whose answers are never public: the editors' admin, uploaded media (served with their
# own headers), the health checks (always answered anew), the alerts' pages (one address's own).
PRIVATE_PREFIXES = ("/admin/", "/media/", "/healthz", "/readyz", "/alerts/")


def is_public(request: HttpRequest) -> bool:
    """An anonymous read of the public site: cacheable by anyone."""
    return (
        request.method in ("GET", "HEAD")
        and not request.path.startswith(PRIVATE_PREFIXES)
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


def _key(request: HttpRequest, generation: int) -> str:
    what = "\n".join((request.get_host(), request.get_full_path(), get_language() or ""))
    return f"page:{generation}:{hashlib.sha256(what.encode()).hexdigest()}"


def _keepable(response: HttpResponse) -> bool:
    """A complete answer (a list streamed row by row, like votes.csv, is made anew)."""
    return not response.streaming


def http_caching(get_response: Handler) -> Handler:
    def middleware(request: HttpRequest) -> HttpResponse:
        if not is_public(request):
            response = get_response(request)
            if not response.has_header("Cache-Control"):
                patch_cache_control(response, private=True, no_store=True)
            return response
        generation, changed_at = archive_state()
        key = _key(request, generation)
        etag = f'"{key.rsplit(":", 1)[1][:20]}-{generation}"'
        last_modified = int(changed_at.timestamp()) if changed_at else None  # HTTP dates are whole seconds
        not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if not_modified is not None:
            response = not_modified
        else:
            page_cache = caches[settings.ARCHIVE_PAGE_CACHE] if settings.ARCHIVE_PAGE_CACHE else None
            response = page_cache.get(key) if page_cache is not None else None
            if response is None:
                response = get_response(request)
                if response.status_code != 200:
                    return response  # errors and redirects: as the view made them
                if response.cookies:  # someone's own answer after all
                    patch_cache_control(response, private=True, no_store=True)
                    return response
                response["ETag"] = etag
                if last_modified is not None:
                    response["Last-Modified"] = http_date(last_modified)
                patch_cache_control(response, public=True, max_age=settings.ARCHIVE_CACHE_SECONDS)
                if page_cache is not None and _keepable(response):
                    page_cache.set(key, response, settings.ARCHIVE_PAGE_CACHE_SECONDS)
                return response
        response["ETag"] = etag
        if last_modified is not None:
            response["Last-Modified"] = http_date(last_modified)
        patch_cache_control(response, public=True, max_age=settings.ARCHIVE_CACHE_SECONDS)
        return response

    return middleware
