"""An original minutes PDF opened in a real browser: sandboxed by its Content-Security-Policy
(security review, finding 9), and still shown by Chromium's PDF viewer."""

from __future__ import annotations

import threading

import pytest

from tests import pdfmaker
from tests.conftest import MINUTES_2021

pytestmark = pytest.mark.browser

# Chromium's built-in PDF viewer, an extension that shows the PDF in a frame of its own.
PDF_VIEWER = "chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/"
SANDBOX = "default-src 'none'; sandbox"


@pytest.fixture
def archive_server(transactional_db, settings):
    """The archive's own WSGI application on a real HTTP server, as gunicorn serves it: Django's
    live server answers /media/ itself, without the archive's view (views/media.py)."""
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connections

    class Server(ThreadingMixIn, WSGIServer):
        # A thread a connection: a connection Chromium opens ahead and leaves idle must not hold
        # up the others, nor the server's shutdown.
        daemon_threads = True

        def process_request_thread(self, request, client_address):
            try:
                super().process_request_thread(request, client_address)
            finally:
                connections.close_all()  # this thread's own database connection

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format, *args):
            pass

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    server = make_server("127.0.0.1", 0, WSGIHandler(), server_class=Server, handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


def test_a_sandboxed_original_pdf_still_opens_in_the_pdf_viewer(page, archive_server):
    from decisions.services import ingest_bytes

    built = pdfmaker.minutes_pdf(pdfmaker.font_safe(MINUTES_2021.read_text(encoding="utf-8")))
    meeting = ingest_bytes(built.data, name="bsu-2021-02-02.pdf").meeting

    response = page.goto(archive_server + meeting.original_file.url)
    headers = response.all_headers()  # .headers leaves the security headers out
    assert response.status == 200
    assert headers["content-type"] == "application/pdf"
    assert headers["content-security-policy"] == SANDBOX
    assert headers["x-content-type-options"] == "nosniff"
    viewer = None
    for _ in range(40):  # the viewer's frame attaches after the page has loaded
        viewer = next((f for f in page.frames if f.url.startswith(PDF_VIEWER)), None)
        if viewer is not None:
            break
        page.wait_for_timeout(250)
    assert viewer is not None, [f.url for f in page.frames]
    # The viewer's toolbar counts the pages it has laid out: all of them, as without the sandbox.
    pages = viewer.wait_for_function(
        "() => document.querySelector('pdf-viewer')?.shadowRoot?.querySelector('viewer-toolbar')?.docLength"
    ).json_value()
    assert pages == built.pages
