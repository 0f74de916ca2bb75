"""Uploaded files (original minutes, attachment files) served safely by Django itself, for
`make run` and development; a production web server may serve MEDIA_ROOT instead, with the
same headers and without the pending/ folder.

PDFs open in the browser; anything else is a download. Nothing is sniffed into HTML, and
every file, a PDF too, gets a sandboxing Content-Security-Policy: Chromium's PDF viewer shows
a PDF under it as before (tests/browser/test_media.py).
"""

import posixpath

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.views.static import serve

# Uploads waiting between preview and confirm: nobody's business but the uploader's.
PRIVATE_FOLDERS = ("pending",)
MEDIA_CONTENT_SECURITY_POLICY = "default-src 'none'; sandbox"


def serve_media(request: HttpRequest, path: str) -> HttpResponse:
    normalized = posixpath.normpath(path).lstrip("/")
    if normalized.split("/", 1)[0] in PRIVATE_FOLDERS or normalized.startswith(".."):
        raise Http404
    response = serve(request, normalized, document_root=settings.MEDIA_ROOT)
    response["X-Content-Type-Options"] = "nosniff"
    # No scripts, forms or same-origin access for anything a browser renders from an upload (an
    # uploaded .html or .svg, a PDF's scripts in a viewer that would run them on the site's origin).
    response["Content-Security-Policy"] = MEDIA_CONTENT_SECURITY_POLICY
    if normalized.lower().endswith(".pdf"):
        response["Content-Type"] = "application/pdf"
    else:
        response["Content-Disposition"] = content_disposition_header(True, posixpath.basename(normalized))
    return response
