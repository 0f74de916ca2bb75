"""What django-axes needs from the archive to limit logins: the client's address, the handler
that counts failures, and the Danish page a locked-out client gets."""

from __future__ import annotations

import ipaddress

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def _address(value: str | None) -> str | None:
    """The address in its canonical form, so one client is one key; None for anything else."""
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address as the archive can trust it.

    Behind the one proxy of ARCHIVE_BEHIND_PROXY it is the last X-Forwarded-For entry: the proxy
    appends the address it saw, and anything before it is the client's own claim. Otherwise the
    header comes from whoever sent the request and is ignored: REMOTE_ADDR only.
    """
    if settings.ARCHIVE_BEHIND_PROXY:
        forwarded = _address(request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1])
        if forwarded:
            return forwarded
    return _address(request.META.get("REMOTE_ADDR"))


class ArchiveAxesHandler(AxesDatabaseHandler):
    """Axes' database handler, except that a good login clears only its own account's failures.

    Axes' own reset on success also clears every failure counted against the client's IP,
    whichever account it was for: an editor could then guess at a colleague's password from
    their own machine and wipe the count with a login of their own every fourth guess.
    """

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            # reset_attempts without a filter would clear everyone's failures.
            return 0
        return self.reset_attempts(username=username)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """The Danish lockout page, 429 Too Many Requests as axes answers by default."""
    minutes = round(get_cool_off(request).total_seconds() / 60)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
