"""`manage.py harvest [--firstagenda URL --municipality NAME] [--since YYYY-MM-DD] [--committee NAME]
[--with-attachments] [--delay SECONDS]`: fetch new and re-released meetings from municipalities'
publishing sites, one transaction per meeting; with no source named, every enabled source."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from decisions.harvest.client import PoliteClient
from decisions.harvest.firstagenda import FAILED, NEW, HarvestReport, harvest_firstagenda
from decisions.management.commands.send_alerts import send_after_loading
from decisions.minutes import MinutesError
from decisions.models import HarvestKind, HarvestSource
from decisions.services import UPDATED, get_municipality


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--since needs a date as YYYY-MM-DD, not {value!r}") from None


class Command(BaseCommand):
    help = (
        "Fetch new and re-released meetings (agendas and minutes) from the publishing sites configured in the "
        "admin (enabled ones), or from the one site named here, and load them one transaction per meeting."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--firstagenda",
            metavar="URL",
            help="Harvest this FirstAgenda Publication site only, e.g. https://dagsordener-referater.hvidovre.dk "
            "(needs --municipality). Without it, every enabled source in the admin is harvested.",
        )
        parser.add_argument(
            "--municipality",
            metavar="NAME",
            help='The municipality the site named by --firstagenda publishes for, e.g. "Hvidovre Kommune".',
        )
        parser.add_argument("--since", metavar="YYYY-MM-DD", help="Only meetings held on or after this date.", type=str)
        parser.add_argument("--committee", metavar="NAME", help="Only this committee's meetings (its exact name).")
        parser.add_argument(
            "--with-attachments",
            action="store_true",
            help="Also fetch the open items' attachments (PDF) and extract their text.",
        )
        parser.add_argument(
            "--delay",
            type=float,
            default=1.0,
            metavar="SECONDS",
            help="Pause between two requests to the same site (default 1 second).",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=None,
            metavar="SECONDS",
            help="How long to wait for an answer (default ARCHIVE_HARVEST_TIMEOUT, 30 seconds).",
        )
        parser.add_argument(
            "--retries",
            type=int,
            default=3,
            metavar="N",
            help="Retries of a request answered 429 or 5xx, or not answered in time (default 3), with "
            "exponential backoff from 1 second, or the site's Retry-After.",
        )

    def handle(
        self,
        *args,
        firstagenda: str | None,
        municipality: str | None,
        since: str | None,
        committee: str | None,
        with_attachments: bool,
        delay: float,
        timeout: float | None,
        retries: int,
        verbosity: int,
        **options,
    ) -> None:
        since_date = _date(since) if since else None
        if delay < 0 or (timeout is not None and timeout <= 0) or retries < 0:
            raise CommandError("--delay and --retries cannot be negative, and --timeout must be positive")
        sources = self._sources(firstagenda, municipality)
        if not sources:
            self.stdout.write("No enabled harvest sources (add one in the admin, or name one with --firstagenda).")
            return
        if not settings.ARCHIVE_HARVEST_CONTACT:
            self.stderr.write(
                self.style.WARNING(
                    "ARCHIVE_HARVEST_CONTACT is not set: the User-Agent names no contact for the sites' operators"
                )
            )
        failed = loaded = 0
        show_progress = verbosity >= 1 and self.stdout.isatty()
        with PoliteClient(delay=delay, timeout=timeout, retries=retries) as client:
            for source in sources:
                report = HarvestReport(base_url=source.base_url)
                try:
                    report = harvest_firstagenda(
                        source,
                        client,
                        since=since_date,
                        committee=committee,
                        with_attachments=with_attachments,
                        progress=self._progress if show_progress else None,
                    )
                except KeyboardInterrupt:
                    self._record(source, "interrupted: " + report.summary())
                    raise
                if show_progress:
                    self.stdout.write("")
                failed += report.counts[FAILED]
                loaded += report.counts[NEW] + report.counts[UPDATED]
                self._record(source, report.summary() + "".join(f"\n{f}" for f in report.failures))
                if verbosity >= 2:
                    for warning in report.warnings:
                        self.stdout.write(self.style.WARNING(warning))
                for failure in report.failures:
                    self.stderr.write(self.style.ERROR(failure))
                line = f"{source.municipality.name} ({source.base_url}): {report.summary()}"
                self.stdout.write(self.style.SUCCESS(line) if not report.failures else line)
        if loaded:
            send_after_loading(self)
        if failed:
            # CommandError exits non-zero without a traceback; the failures are listed above.
            raise CommandError(f"{failed} failed (listed above)")

    def _sources(self, url: str | None, municipality: str | None) -> list[HarvestSource]:
        if url is None:
            if municipality:
                raise CommandError("--municipality goes with --firstagenda URL")
            return list(HarvestSource.objects.filter(enabled=True).select_related("municipality"))
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise CommandError(
                f"--firstagenda needs the site's address, e.g. https://dagsordener-referater.hvidovre.dk, not {url!r}"
            )
        if not municipality or not municipality.strip():
            raise CommandError('--firstagenda needs --municipality, e.g. --municipality "Hvidovre Kommune"')
        base_url = url.rstrip("/")
        source = HarvestSource.objects.select_related("municipality").filter(base_url=base_url).first()
        name = " ".join(municipality.split())
        if source is not None:
            if source.municipality.name.casefold() != name.casefold():
                raise CommandError(f"{base_url} is a source of {source.municipality.name} in the admin, not of {name}")
            return [source]
        try:
            owner = get_municipality(name)
        except MinutesError as exc:
            raise CommandError(str(exc)) from None
        # Kept (not enabled) so that the next run knows what was fetched; enable it in the admin to harvest nightly.
        return [
            HarvestSource.objects.create(
                municipality=owner, kind=HarvestKind.FIRSTAGENDA, base_url=base_url, enabled=False
            )
        ]

    def _record(self, source: HarvestSource, result: str) -> None:
        HarvestSource.objects.filter(pk=source.pk).update(last_run_at=timezone.now(), last_result=result)

    def _progress(self, number: int, total: int, label: str) -> None:
        width = 30
        done = width * number // max(total, 1)
        self.stdout.write(f"\r[{'#' * done}{'.' * (width - done)}] {number}/{total} {label[:50]:<50}", ending="")
        self.stdout.flush()
