"""`manage.py send_alerts`: e-mail every confirmed subscription that is due what is new for it
(decisions.alerts.sending). Run by a timer every few minutes; ingest and harvest run it for the
"immediate" subscriptions after loading minutes."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from decisions.alerts.sending import SendReport, send_alerts
from decisions.models import AlertSchedule


def summary(report: SendReport) -> str:
    line = (
        f"alerts: {report.sent} e-mails with {report.entries} items or meetings sent, "
        f"{report.looked - report.sent - len(report.failed)} subscriptions with nothing new, "
        f"{len(report.failed)} failed"
    )
    if report.confirmations or report.confirmations_failed:
        line += f"; confirmations sent again {report.confirmations}, failed {report.confirmations_failed}"
    if report.expired:
        line += f"; unconfirmed subscriptions deleted {report.expired}"
    return line


def send_after_loading(command: BaseCommand) -> None:
    """For ingest and harvest: the "immediate" subscriptions, now; a failure here is reported
    and leaves the loading command's own result alone (the timer's next run sends them)."""
    try:
        report = send_alerts(schedules=[AlertSchedule.IMMEDIATE])
    except Exception as error:  # noqa: BLE001 - the minutes are loaded whatever happens to e-mail
        command.stderr.write(command.style.WARNING(f"alerts not sent: {error.__class__.__name__}: {error}"))
        return
    if report.sent or report.failed:
        line = summary(report)
        command.stdout.write(line if not report.failed else command.style.WARNING(line))


def _moment(value: str) -> dt.datetime:
    moment = parse_datetime(value.strip())
    if moment is None:
        raise CommandError(f"--now needs a date and time as YYYY-MM-DDTHH:MM, not {value!r}")
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class Command(BaseCommand):
    help = (
        "E-mail every confirmed alert subscription that is due what is new for it since its last e-mail; "
        "delete subscriptions left unconfirmed for 7 days; send confirmation e-mails that failed before."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--schedule",
            action="append",
            choices=AlertSchedule.values,
            help="Only subscriptions of this schedule (repeatable); default all. Daily ones are due at the first "
            "run after ARCHIVE_ALERT_HOUR, weekly ones on ARCHIVE_ALERT_WEEKDAY.",
        )
        parser.add_argument(
            "--now",
            metavar="YYYY-MM-DDTHH:MM",
            help="Act as at this moment, local time unless an offset is given (which subscriptions are due, "
            "what has expired); default the present.",
        )

    def handle(self, *args, schedule: list[str] | None, now: str | None, **options) -> None:
        report = send_alerts(schedules=schedule, now=_moment(now) if now else None)
        line = summary(report)
        if report.failed or report.confirmations_failed:
            self.stdout.write(line)
            # Non-zero for the timer's log; the failed ones are sent at the next run.
            raise CommandError(
                f"{len(report.failed) + report.confirmations_failed} e-mails were not accepted by the mail server "
                "(logged); they are tried again at the next run"
            )
        self.stdout.write(self.style.SUCCESS(line))
