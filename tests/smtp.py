"""A real SMTP server on 127.0.0.1 for the e-mail tests (aiosmtpd), and Django set to send to it.

`smtp_server` starts one per test; `.messages` are the messages it accepted, parsed;
`.refuse(n)` makes it answer the next n messages with a temporary failure (451), as a mail
server that is down for a moment does."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.received: list[tuple[str, list[str], bytes]] = []
        self.refusals = 0

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refusals:
                self.refusals -= 1
                return "451 4.3.0 Try again later"
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


class SmtpServer:
    def __init__(self, recorder: Recorder, port: int):
        self.recorder = recorder
        self.port = port

    @property
    def messages(self) -> list[EmailMessage]:
        with self.recorder.lock:
            raw = [content for _from, _to, content in self.recorder.received]
        return [email.message_from_bytes(content, policy=email.policy.default) for content in raw]

    @property
    def envelopes(self) -> list[tuple[str, list[str]]]:
        with self.recorder.lock:
            return [(sender, to) for sender, to, _content in self.recorder.received]

    def raw(self, index: int) -> bytes:
        with self.recorder.lock:
            return self.recorder.received[index][2]

    def clear(self) -> None:
        with self.recorder.lock:
            self.recorder.received.clear()

    def refuse(self, count: int = 1) -> None:
        with self.recorder.lock:
            self.recorder.refusals = count


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


@pytest.fixture
def smtp_server(settings):
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    settings.DEFAULT_FROM_EMAIL = "Beslutningsarkivet <besked@arkiv.test>"
    settings.ARCHIVE_BASE_URL = "http://testserver"
    try:
        yield SmtpServer(recorder, controller.port)
    finally:
        controller.stop()
