"""`manage.py send_alerts`: every confirmed subscription that is due gets one e-mail with what
is new for it, and is marked as having looked; nothing new, no e-mail.

Due: "immediate" at every run (ingest and harvest run it after loading minutes, the timer every
few minutes for uploads); "daily" at the first run after ARCHIVE_ALERT_HOUR each day; "weekly"
at the first run after that hour on ARCHIVE_ALERT_WEEKDAY (0 = Monday), local time.

A subscription is sent and marked in one transaction, with its row locked (two runs at once do
not both send it): an e-mail the mail server refuses leaves it unmarked, so the next run sends
what it would have, and the others go out meanwhile."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from decisions.alerts import mail, news
from decisions.alerts.subscriptions import expire_unconfirmed, send_confirmation, unsubscribe_token
from decisions.filters import filter_choices
from decisions.models import AlertKind, AlertSchedule, AlertSent, AlertSubscription, Meeting
from decisions.search import archive_generation

log = logging.getLogger(__name__)


def latest_slot(schedule: str, now: dt.datetime) -> dt.datetime | None:
    """When a subscription of `schedule` was last due at or before `now`; None: always due."""
    if schedule == AlertSchedule.IMMEDIATE:
        return None
    local = timezone.localtime(now)
    slot = local.replace(hour=settings.ARCHIVE_ALERT_HOUR, minute=0, second=0, microsecond=0)
    if schedule == AlertSchedule.WEEKLY:
        slot -= dt.timedelta(days=(local.weekday() - settings.ARCHIVE_ALERT_WEEKDAY) % 7)
        step = dt.timedelta(days=7)
    else:
        step = dt.timedelta(days=1)
    if slot > local:
        slot -= step
    # Wall-clock arithmetic: the slot is the same local hour on either side of a change to
    # or from summer time; made aware again for the offset of its own day.
    return timezone.make_aware(slot.replace(tzinfo=None))


def due(schedules: list[str], now: dt.datetime):
    """The confirmed subscriptions of `schedules` due at `now`."""
    condition = Q()
    for schedule in schedules:
        slot = latest_slot(schedule, now)
        if slot is None:
            condition |= Q(schedule=schedule)
        else:
            condition |= Q(schedule=schedule) & (Q(checked_at__isnull=True) | Q(checked_at__lt=slot))
    return AlertSubscription.objects.filter(condition, confirmed_at__isnull=False).order_by("pk")


@dataclass
class SendReport:
    sent: int = 0  # alert e-mails
    entries: int = 0  # items and meetings in them
    looked: int = 0  # due subscriptions looked at (with news or without)
    failed: list[int] = field(default_factory=list)  # subscriptions whose e-mail was refused
    confirmations: int = 0  # confirmation e-mails sent again after an earlier failure
    confirmations_failed: int = 0
    expired: int = 0  # unconfirmed subscriptions deleted


def send_alerts(*, schedules: list[str] | None = None, now: dt.datetime | None = None) -> SendReport:
    now = now or timezone.now()
    schedules = schedules or list(AlertSchedule.values)
    report = SendReport(expired=expire_unconfirmed(now=now))
    for subscription in AlertSubscription.objects.filter(
        confirmed_at__isnull=True, confirmation_sent_at__isnull=True
    ).select_related("address", "case__municipality", "person__municipality", "committee__municipality"):
        if send_confirmation(subscription, now=now):
            report.confirmations += 1
        else:
            report.confirmations_failed += 1
    # Meetings written up to this generation are all committed (decisions.models.Meeting).
    upto = archive_generation()
    latest = Meeting.objects.filter(written_generation__lte=upto).aggregate(latest=Max("written_generation"))["latest"]
    # Due, but no meeting written since they last looked: marked in one statement, without a
    # query each (most runs of the timer, for most subscriptions).
    report.looked += (
        due(schedules, now)
        .filter(checked_generation__gte=latest or 0)
        .update(checked_at=now, checked_generation=Greatest(F("checked_generation"), Value(upto)))
    )
    # The search filters' committees and municipalities, read once for the run's searches.
    choices = filter_choices()
    for pk in list(due(schedules, now).filter(checked_generation__lt=latest or 0).values_list("pk", flat=True)):
        outcome = _send_one(pk, upto=upto, now=now, choices=choices)
        if outcome is None:
            continue
        report.looked += 1
        if outcome < 0:
            report.failed.append(pk)
        elif outcome:
            report.sent += 1
            report.entries += outcome
    return report


def _send_one(pk: int, *, upto: int, now: dt.datetime, choices: tuple | None = None) -> int | None:
    """Send one subscription what is new: the number of entries sent, 0 if none, -1 if the mail
    server refused, None if another run holds it or it has gone."""
    with transaction.atomic():
        # The lock on the row alone, then the row with its own kind of target: joining all
        # three kinds (seven tables) cost 4 ms a subscription to plan, more than the rest.
        locked = AlertSubscription.objects.select_for_update(skip_locked=True).filter(
            pk=pk, confirmed_at__isnull=False, checked_generation__lte=upto
        )
        kind = locked.order_by().values_list("kind", flat=True).first()
        if kind is None:
            return None
        related = ["address"] if kind == AlertKind.SEARCH else ["address", f"{kind}__municipality"]
        subscription = AlertSubscription.objects.select_related(*related).get(pk=pk)
        entries = news.new_entries(subscription, upto=upto, choices=choices)
        if entries:
            message = mail.alert_message(subscription, entries, unsubscribe_token(subscription))
            if not mail.deliver(message, what=f"alert {subscription.pk}"):
                transaction.set_rollback(True)
                return -1
            AlertSent.objects.bulk_create(
                [
                    AlertSent(subscription=subscription, meeting_id=meeting, number=number, kind=kind, sent_at=now)
                    for meeting, number, kind in {entry.key for entry in entries}
                ],
                ignore_conflicts=True,
            )
            subscription.last_sent_at = now
        subscription.checked_generation = upto
        subscription.checked_at = now
        subscription.save(update_fields=["checked_generation", "checked_at", "last_sent_at"])
    return len(entries)
