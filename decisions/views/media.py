"""Original minutes and attachment files, served safely: PDFs inline, anything else as a download."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.static import serve


def serve_media(request: HttpRequest, path: str) -> HttpResponse:
    # Files waiting in an unconfirmed upload are nobody's business but the uploader's.
    if path.startswith("pending/"):
        raise Http404
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    if not path.lower().endswith(".pdf"):
        response["Content-Disposition"] = "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
