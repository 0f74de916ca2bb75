"""`manage.py ingest PATH… [--municipality NAME]`: load minutes and agendas in any format the
archive reads (decisions.minutes.formats) into the archive, one transaction per meeting."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from types import ModuleType

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from decisions.management.commands.send_alerts import send_after_loading
from decisions.minutes import MinutesError
from decisions.minutes.formats import find_sources
from decisions.services import (
    CREATED,
    KEPT_MINUTES,
    UNCHANGED,
    UPDATED,
    ingest_reading,
    read_source,
)


def sources(paths: list[str]) -> tuple[list[tuple[ModuleType, Path]], list[str]]:
    """The (reader, path) pairs the arguments name, and the files in folders that no reader reads.

    A path given by name that matches no reader (or a folder with two formats' exports) is a
    CommandError before anything is written."""
    found: list[tuple[ModuleType, Path]] = []
    skipped: list[str] = []
    for raw in paths:
        try:
            pairs, refused = find_sources(Path(raw))
        except MinutesError as exc:
            raise CommandError(str(exc)) from None
        found += pairs
        skipped += refused
    return found, skipped


class Command(BaseCommand):
    help = (
        "Read minutes and agendas (Odense text or PDF, Acadre, eDoc and SBSYS Publication exports; the format is "
        "recognized from the content) and load them, one transaction per meeting."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "paths",
            nargs="+",
            metavar="PATH",
            help="Minutes files, export folders or zips, or folders holding them (searched recursively).",
        )
        parser.add_argument(
            "--municipality",
            metavar="NAME",
            help=(
                'The municipality or region the minutes belong to, e.g. "Ballerup Kommune". Without it, minutes '
                "whose format does not name one belong to ARCHIVE_DEFAULT_MUNICIPALITY (Odense Kommune)."
            ),
        )
        parser.add_argument("--dry-run", action="store_true", help="Read and report, but write nothing.")
        parser.add_argument(
            "--no-alerts",
            action="store_true",
            help="Do not e-mail the subscriptions that want news right after new minutes are loaded "
            "(send_alerts sends them at its next run).",
        )

    def handle(
        self,
        *args,
        paths: list[str],
        municipality: str | None,
        dry_run: bool,
        no_alerts: bool,
        verbosity: int,
        **options,
    ) -> None:
        found, skipped = sources(paths)
        if not found and not skipped:
            raise CommandError(
                "no minutes found (the archive reads .txt, .pdf, .xml, .json and .zip files and export folders)"
            )
        owner = None
        if municipality is not None:
            if not municipality.strip():
                raise CommandError('--municipality needs a name, e.g. "Ballerup Kommune"')
            # Created (by the write path) with the first meeting written, never for a batch that fails.
            owner = " ".join(municipality.split())
        counts: Counter[str] = Counter()
        items = votes = 0
        new_persons: list[str] = []
        failures: list[str] = [f"{reason}" for reason in skipped]
        counts["failed"] += len(skipped)
        show_progress = verbosity >= 1 and self.stdout.isatty()
        for number, (reader, path) in enumerate(found, 1):
            if show_progress:
                self.stdout.write(f"\r[{number}/{len(found)}] {path.name[:60]:<60}", ending="")
                self.stdout.flush()
            try:
                readings = read_source(reader, path)
            except MinutesError as exc:
                counts["failed"] += 1
                failures.append(f"{path}:{exc.line}: {exc.reason}")
                continue
            except Exception as exc:  # noqa: BLE001 - one broken file must not stop the batch
                counts["failed"] += 1
                failures.append(f"{path}:0: unexpected error: {exc.__class__.__name__}: {exc}")
                continue
            if owner is None and reader.FORMAT != "odense" and any(not r.meeting.municipality for r in readings):
                # Today's commands keep working so, but for an export it is rarely what is meant.
                self.stdout.write(
                    self.style.WARNING(
                        f"{path}: the export names no municipality and --municipality was not given: "
                        f"filed under {settings.ARCHIVE_DEFAULT_MUNICIPALITY} (ARCHIVE_DEFAULT_MUNICIPALITY)"
                    )
                )
            for reading in readings:
                try:
                    result = ingest_reading(reading, municipality=owner, dry_run=dry_run)
                except MinutesError as exc:
                    counts["failed"] += 1
                    failures.append(f"{path}:{exc.line}: {exc.reason}")
                    continue
                except Exception as exc:  # noqa: BLE001 - one broken meeting must not stop the batch
                    counts["failed"] += 1
                    failures.append(f"{path}:0: unexpected error: {exc.__class__.__name__}: {exc}")
                    continue
                counts[result.status] += 1
                items += result.items
                votes += result.votes
                new_persons += result.new_persons
                if verbosity >= 2 or result.status == KEPT_MINUTES:
                    kind = reading.meeting.kind
                    self.stdout.write(
                        f"{path} ({reader.FORMAT}, {kind}): {result.status}, {result.items} items, {result.votes} votes"
                    )
                    for warning in result.warnings:
                        self.stdout.write(self.style.WARNING(f"{path}: {warning}"))
        if show_progress:
            self.stdout.write("")
        for failure in failures:
            self.stderr.write(self.style.ERROR(failure))
        prefix = "Dry run (nothing written): " if dry_run else ""
        summary = (
            f"{prefix}meetings created {counts[CREATED]}, updated {counts[UPDATED]}, "
            f"unchanged {counts[UNCHANGED]}, failed {counts['failed']}; "
            f"items {items}, votes {votes}, new persons {len(new_persons)}"
        )
        if counts[KEPT_MINUTES]:
            summary += f"; agendas not loaded over minutes {counts[KEPT_MINUTES]}"
        self.stdout.write(self.style.SUCCESS(summary) if not failures else summary)
        if not dry_run and not no_alerts and (counts[CREATED] or counts[UPDATED]):
            send_after_loading(self)
        if failures:
            # CommandError exits non-zero without a traceback; the failures are listed above.
            raise CommandError(f"{len(failures)} of {len(found) + len(skipped)} sources failed")
