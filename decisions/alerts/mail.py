"""The alert e-mails, through Django's e-mail framework (EMAIL_* settings from the environment):
Danish, plain text with an HTML alternative, links absolute to ARCHIVE_BASE_URL (never to the
Host a request named). Every e-mail to a subscription carries its one-click unsubscribe link as
List-Unsubscribe with List-Unsubscribe-Post (RFC 8058) and a link to the address's own page.

Text that comes from visitors (a search's words) or from minutes goes into a subject only
without line breaks or control characters, and into the HTML part escaped by the templates."""

from __future__ import annotations

import logging
import smtplib
import socket

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from decisions.models import AlertAddress, AlertSubscription, Municipality

log = logging.getLogger(__name__)
SUBJECT_LIMIT = 150
# What a mail server or the network can answer instead of accepting a message.
SEND_ERRORS = (smtplib.SMTPException, OSError, socket.timeout, BadHeaderError)


def one_line(text: str, *, limit: int = SUBJECT_LIMIT) -> str:
    """Text fit for a header: no line breaks or control characters, whitespace collapsed."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text)
    cleaned = " ".join(cleaned.split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1].rstrip() + "…"


def absolute(path: str) -> str:
    return settings.ARCHIVE_BASE_URL.rstrip("/") + path


def unsubscribe_url(token: str) -> str:
    return absolute(reverse("decisions:alert-unsubscribe", args=[token]))


def manage_url(token: str) -> str:
    return absolute(reverse("decisions:alert-manage", args=[token]))


def _message(
    *, to: str, subject: str, template: str, context: dict, unsubscribe: str | None = None
) -> EmailMultiAlternatives:
    context = {**context, "base_url": settings.ARCHIVE_BASE_URL.rstrip("/")}
    text = render_to_string(f"{template}.txt", context)
    html = render_to_string(f"{template}.html", context)
    headers = {"Auto-Submitted": "auto-generated"}
    if unsubscribe:
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(one_line(subject), text, settings.DEFAULT_FROM_EMAIL, [to], headers=headers)
    message.attach_alternative(html, "text/html")
    return message


def deliver(message: EmailMultiAlternatives, *, what: str) -> bool:
    """Send; False, logged (without the address), if the mail server did not take it."""
    try:
        message.send()
    except SEND_ERRORS as error:
        log.warning("alert e-mail (%s) not sent: %s: %s", what, error.__class__.__name__, error)
        return False
    return True


def _subscription_context(subscription: AlertSubscription, unsubscribe_token: str) -> dict:
    from decisions.alerts.subscriptions import manage_token
    from decisions.alerts.targets import describe, search_parameters

    return {
        "subscription": subscription,
        "target": describe(subscription),
        "search_parameters": search_parameters(subscription),
        "unsubscribe_url": unsubscribe_url(unsubscribe_token),
        "manage_url": manage_url(manage_token(subscription.address)),
    }


def send_confirmation(subscription: AlertSubscription, confirm_token: str, unsubscribe_token: str) -> bool:
    context = _subscription_context(subscription, unsubscribe_token)
    context["confirm_url"] = absolute(reverse("decisions:alert-confirm", args=[confirm_token]))
    message = _message(
        to=subscription.address.email,
        subject=_("Bekræft: besked om %(target)s") % {"target": context["target"]},
        template="decisions/alert_confirm_email",
        context=context,
        unsubscribe=context["unsubscribe_url"],
    )
    return deliver(message, what=f"confirmation {subscription.pk}")


def send_already_subscribed(subscription: AlertSubscription, unsubscribe_token: str) -> bool:
    context = _subscription_context(subscription, unsubscribe_token)
    message = _message(
        to=subscription.address.email,
        subject=_("Du får allerede besked om %(target)s") % {"target": context["target"]},
        template="decisions/alert_already_email",
        context=context,
        unsubscribe=context["unsubscribe_url"],
    )
    return deliver(message, what=f"already {subscription.pk}")


def send_manage_link(address: AlertAddress, manage_token: str, end_all_token: str) -> bool:
    end_all = absolute(reverse("decisions:alert-end-all", args=[end_all_token]))
    message = _message(
        to=address.email,
        subject=_("Dine beskeder fra Beslutningsarkivet"),
        template="decisions/alert_manage_email",
        context={
            "manage_url": manage_url(manage_token),
            "unsubscribe_url": end_all,
            "days": settings.ARCHIVE_ALERT_LINK_DAYS,
        },
        unsubscribe=end_all,
    )
    return deliver(message, what=f"manage link {address.pk}")


def alert_message(subscription: AlertSubscription, entries: list, unsubscribe_token: str) -> EmailMultiAlternatives:
    """The e-mail of one run for one subscription: every new entry (up to ARCHIVE_ALERT_MAX_ENTRIES,
    then how many more and the page that has them)."""
    context = _subscription_context(subscription, unsubscribe_token)
    shown = entries[: settings.ARCHIVE_ALERT_MAX_ENTRIES]
    context.update(
        entries=shown,
        more=len(entries) - len(shown),
        show_municipality=Municipality.objects.count() > 1,
    )
    count = len(entries)
    subject = _("Nyt om %(target)s (%(count)s)") % {"count": count, "target": context["target"]}
    return _message(
        to=subscription.address.email,
        subject=subject,
        template="decisions/alert_email",
        context=context,
        unsubscribe=context["unsubscribe_url"],
    )
