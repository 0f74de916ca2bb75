"""Subscribing (double opt-in), confirming, changing and ending alerts; the signed links in
the e-mails; rate limits. No accounts: an address proves itself by the links sent to it.

Privacy: the archive stores an address, what it follows, how often, and what it has been sent.
An address is deleted with its last subscription; a subscription never confirmed is deleted
UNCONFIRMED_DAYS after its last confirmation e-mail (send_alerts). The answer to a subscribe
form is the same whether or not the address follows anything already, so the form tells no one
who follows what."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from decisions.alerts import mail
from decisions.alerts.targets import Target
from decisions.models import AlertAddress, AlertSchedule, AlertSubscription, Person
from decisions.search import archive_generation

log = logging.getLogger(__name__)

UNCONFIRMED_DAYS = 7
_CONFIRM_SALT = "decisions.alerts.confirm"
_UNSUBSCRIBE_SALT = "decisions.alerts.unsubscribe"
_MANAGE_SALT = "decisions.alerts.manage"
_END_ALL_SALT = "decisions.alerts.end-all"


# --- Addresses -------------------------------------------------------------------------------


class InvalidAddress(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def normalize_address(raw: str) -> str:
    """The address as stored: trimmed and lower-cased; InvalidAddress (in Danish) if it is not
    one address. Control characters (a newline that would start a header of its own) are refused,
    not removed: what was typed is not what would be used."""
    text = (raw or "").strip()
    if any(not ch.isprintable() or ch.isspace() for ch in text):
        raise InvalidAddress(_("E-mailadressen må ikke indeholde mellemrum, linjeskift eller styretegn."))
    if len(text) > 254:
        raise InvalidAddress(_("E-mailadressen er for lang."))
    try:
        validate_email(text)
    except ValidationError:
        raise InvalidAddress(_("Skriv en gyldig e-mailadresse, fx navn@example.dk.")) from None
    return text.lower()


# --- Signed links ----------------------------------------------------------------------------


def confirm_token(subscription: AlertSubscription) -> str:
    return signing.dumps([subscription.pk, subscription.nonce], salt=_CONFIRM_SALT)


def unsubscribe_token(subscription: AlertSubscription) -> str:
    return signing.dumps([subscription.pk, subscription.nonce], salt=_UNSUBSCRIBE_SALT)


def manage_token(address: AlertAddress) -> str:
    return signing.dumps([address.pk, address.nonce], salt=_MANAGE_SALT)


def end_all_token(address: AlertAddress) -> str:
    return signing.dumps([address.pk, address.nonce], salt=_END_ALL_SALT)


def _load(token: str, *, salt: str, max_age: dt.timedelta | None) -> tuple[int, str] | None:
    try:
        pk, nonce = signing.loads(token[:500], salt=salt, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return (pk, nonce) if isinstance(pk, int) and isinstance(nonce, str) else None


def _subscription(token: str, *, salt: str, max_age: dt.timedelta | None) -> AlertSubscription | None:
    loaded = _load(token, salt=salt, max_age=max_age)
    if loaded is None:
        return None
    return (
        AlertSubscription.objects.select_related(
            "address", "case__municipality", "person__municipality", "committee__municipality"
        )
        .filter(pk=loaded[0], nonce=loaded[1])
        .first()
    )


def subscription_to_confirm(token: str) -> AlertSubscription | None:
    """The subscription a confirmation link names, while the link is valid (UNCONFIRMED_DAYS)."""
    return _subscription(token, salt=_CONFIRM_SALT, max_age=dt.timedelta(days=UNCONFIRMED_DAYS))


def subscription_to_end(token: str) -> AlertSubscription | None:
    """The subscription an unsubscribe link names; these links do not expire (RFC 8058 one-click
    unsubscribing must keep working from an old e-mail)."""
    return _subscription(token, salt=_UNSUBSCRIBE_SALT, max_age=None)


def _address(token: str, *, salt: str, max_age: dt.timedelta | None) -> AlertAddress | None:
    loaded = _load(token, salt=salt, max_age=max_age)
    if loaded is None:
        return None
    return AlertAddress.objects.filter(pk=loaded[0], nonce=loaded[1]).first()


def address_to_manage(token: str) -> AlertAddress | None:
    """The address a link to its page names, while the link is valid (ARCHIVE_ALERT_LINK_DAYS)."""
    return _address(token, salt=_MANAGE_SALT, max_age=dt.timedelta(days=settings.ARCHIVE_ALERT_LINK_DAYS))


def address_to_end(token: str) -> AlertAddress | None:
    """The address an "end them all" link names; like unsubscribe links, these do not expire."""
    return _address(token, salt=_END_ALL_SALT, max_age=None)


# --- Rate limits -----------------------------------------------------------------------------


def within_limit(kind: str, key: str, *, limit: int, seconds: int, now: dt.datetime | None = None) -> bool:
    """Count one more for `key` in a window of `seconds` from its first count; False once past
    `limit`. Counters live in the shared cache (a table in the database) under a hash: no
    address or IP address is stored in them. (Not cache.incr: it stores the new value with the
    cache's default timeout, five minutes, so a limit of a day would end five minutes after
    the last attempt.)"""
    moment = (now or timezone.now()).timestamp()
    name = f"alerts:{kind}:{hashlib.sha256(key.encode()).hexdigest()[:32]}"
    ends, count = cache.get(name) or (0.0, 0)
    if ends <= moment:
        ends, count = moment + seconds, 0
    count += 1
    cache.set(name, (ends, count), max(1, int(ends - moment) + 1))
    return count <= limit


def client_within_limit(ip: str | None, *, now: dt.datetime | None = None) -> bool:
    """Forms sent from one client IP address: ARCHIVE_ALERT_IP_LIMIT an hour."""
    return within_limit("ip", ip or "unknown", limit=settings.ARCHIVE_ALERT_IP_LIMIT, seconds=3600, now=now)


def _address_within_limit(email: str, now: dt.datetime) -> bool:
    """E-mails sent to one address because someone filled in a form: ARCHIVE_ALERT_ADDRESS_LIMIT a day."""
    return within_limit("address", email, limit=settings.ARCHIVE_ALERT_ADDRESS_LIMIT, seconds=24 * 3600, now=now)


# --- Subscribing -----------------------------------------------------------------------------

CONFIRMATION = "confirmation"  # a new or unconfirmed subscription: the confirmation e-mail
ALREADY = "already"  # confirmed before: a note with the link to the address's page
LIMITED = "limited"  # too many e-mails to this address today: none
FAILED = "failed"  # the mail server refused; send_alerts sends the confirmation later


@dataclass
class SubscribeResult:
    """What was done; the visitor is told the same whatever it is (no enumeration)."""

    outcome: str
    subscription: AlertSubscription | None


def subscribe(*, email: str, target: Target, schedule: str, now: dt.datetime | None = None) -> SubscribeResult:
    """Record an unconfirmed subscription of `email` (normalized) to `target` and send the
    confirmation e-mail. An existing unconfirmed one gets the new schedule and the e-mail again;
    a confirmed one is left as it is (only its owner changes it, on their page) and the address
    is told it follows this already."""
    now = now or timezone.now()
    if schedule not in AlertSchedule.values:
        raise ValueError(f"unknown schedule {schedule!r}")
    if not _address_within_limit(email, now):
        return SubscribeResult(LIMITED, None)  # nothing written, nothing sent
    with transaction.atomic():
        address, _created = AlertAddress.objects.get_or_create(email=email)
        subscription = AlertSubscription.objects.select_for_update().filter(address=address, target=target.key).first()
        if subscription is None:
            try:
                with transaction.atomic():
                    subscription = AlertSubscription.objects.create(
                        address=address, schedule=schedule, created_at=now, **target.fields()
                    )
            except IntegrityError:  # the same form twice at once
                subscription = AlertSubscription.objects.get(address=address, target=target.key)
        elif subscription.confirmed_at is None:
            subscription.schedule = schedule
            subscription.save(update_fields=["schedule"])
    if subscription.confirmed_at is not None:
        sent = mail.send_already_subscribed(subscription, unsubscribe_token(subscription))
        return SubscribeResult(ALREADY if sent else FAILED, subscription)
    if send_confirmation(subscription, now=now):
        return SubscribeResult(CONFIRMATION, subscription)
    return SubscribeResult(FAILED, subscription)


def send_confirmation(subscription: AlertSubscription, *, now: dt.datetime) -> bool:
    """Send (again) the confirmation e-mail; False, logged, if the mail server failed."""
    if not mail.send_confirmation(subscription, confirm_token(subscription), unsubscribe_token(subscription)):
        return False
    AlertSubscription.objects.filter(pk=subscription.pk).update(confirmation_sent_at=now)
    subscription.confirmation_sent_at = now
    return True


def confirm(subscription: AlertSubscription, *, now: dt.datetime | None = None) -> AlertSubscription:
    """Confirm once; again, nothing changes. What is new is counted from now on."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = AlertSubscription.objects.select_for_update().get(pk=subscription.pk)
        if locked.confirmed_at is None:
            locked.confirmed_at = now
            locked.checked_at = now
            locked.checked_generation = archive_generation()
            locked.save(update_fields=["confirmed_at", "checked_at", "checked_generation"])
    subscription.refresh_from_db()
    return subscription


def end(subscription: AlertSubscription) -> None:
    """End a subscription; an address left with none is deleted."""
    with transaction.atomic():
        address_id = subscription.address_id
        AlertSubscription.objects.filter(pk=subscription.pk).delete()
        AlertAddress.objects.filter(pk=address_id, subscriptions__isnull=True).delete()


def end_all(address: AlertAddress) -> int:
    """End every subscription of an address, and the address; how many there were."""
    with transaction.atomic():
        count = AlertSubscription.objects.filter(address=address).count()
        AlertAddress.objects.filter(pk=address.pk).delete()
    return count


def change_schedule(subscription: AlertSubscription, schedule: str) -> None:
    """How often the owner wants e-mails; what is new since the last one is kept for the next."""
    if schedule not in AlertSchedule.values:
        raise ValueError(f"unknown schedule {schedule!r}")
    AlertSubscription.objects.filter(pk=subscription.pk).update(schedule=schedule)


def request_manage_link(*, email: str, now: dt.datetime | None = None) -> bool:
    """E-mail a fresh link to the address's page if the address follows anything (the visitor
    is told the same either way). True if an e-mail was sent."""
    now = now or timezone.now()
    address = AlertAddress.objects.filter(email=email).first()
    if address is None or not _address_within_limit(email, now):
        return False
    return mail.send_manage_link(address, manage_token(address), end_all_token(address))


def expire_unconfirmed(*, now: dt.datetime | None = None) -> int:
    """Delete subscriptions left unconfirmed UNCONFIRMED_DAYS after their last confirmation
    e-mail, and addresses that follow nothing; the number of subscriptions deleted."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=UNCONFIRMED_DAYS)
    # Counted from the last confirmation e-mail, whose link promises 7 days (the form filled in
    # again, or a confirmation sent late after the mail server refused it), else from the form.
    stale = Q(confirmation_sent_at__lt=cutoff) | Q(confirmation_sent_at__isnull=True, created_at__lt=cutoff)
    with transaction.atomic():
        deleted = (
            AlertSubscription.objects.filter(stale, confirmed_at__isnull=True)
            .delete()[1]
            .get(AlertSubscription._meta.label, 0)
        )
        AlertAddress.objects.filter(subscriptions__isnull=True).delete()
    return deleted


def move_person_alerts(*, other: Person, keep: Person) -> None:
    """A merged person's followers follow the person kept (decisions.services.merge_persons);
    an address that followed both keeps its subscription to the kept person."""
    followers = AlertSubscription.objects.filter(person=keep).values("address_id")
    AlertSubscription.objects.filter(person=other, address_id__in=followers).delete()
    AlertSubscription.objects.filter(person=other).update(person=keep, target=f"person:{keep.pk}")
