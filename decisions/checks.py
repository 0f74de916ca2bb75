"""The archive's own system checks."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def cookies_sent_only_over_https(app_configs, **kwargs) -> list[Error]:
    """`check --deploy` fails, not only warns (Django's W012, W016), while the session and CSRF
    cookies could travel over plain HTTP: an editor's session would be readable on the way."""
    if settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE:
        return []
    return [
        Error(
            "ARCHIVE_HTTPS is not set: the session and CSRF cookies are sent without Secure.",
            hint="Serve the archive over HTTPS and set ARCHIVE_HTTPS=1 (README: Production).",
            id="archive.E001",
        )
    ]
