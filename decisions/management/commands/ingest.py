"""`manage.py ingest PATH…`: load minutes files (.txt, .pdf) into the archive."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from decisions.minutes import MinutesError
from decisions.services import CREATED, UNCHANGED, UPDATED, ingest_file

SUFFIXES = (".txt", ".pdf")


def minutes_files(paths: list[str]) -> list[Path]:
    """The minutes files named by the arguments, directories searched recursively."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        elif path.is_file():
            files.append(path)
        else:
            raise CommandError(f"{raw}: no such file or directory")
    return files


class Command(BaseCommand):
    help = "Parse minutes files (.txt or .pdf) and load them, one transaction per meeting."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "paths", nargs="+", metavar="PATH", help="Minutes files or directories (searched recursively)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Parse and report, but write nothing.")

    def handle(self, *args, paths: list[str], dry_run: bool, verbosity: int, **options) -> None:
        files = minutes_files(paths)
        if not files:
            raise CommandError("no .txt or .pdf minutes files found")
        counts: Counter[str] = Counter()
        items = votes = 0
        new_persons: list[str] = []
        failures: list[str] = []
        show_progress = verbosity >= 1 and self.stdout.isatty()
        for number, path in enumerate(files, 1):
            if show_progress:
                self.stdout.write(f"\r[{number}/{len(files)}] {path.name[:60]:<60}", ending="")
                self.stdout.flush()
            try:
                result = ingest_file(path, dry_run=dry_run)
            except MinutesError as exc:
                counts["failed"] += 1
                failures.append(f"{path}:{exc.line}: {exc.reason}")
                continue
            except Exception as exc:  # noqa: BLE001 - one broken file must not stop the batch
                counts["failed"] += 1
                failures.append(f"{path}:0: unexpected error: {exc.__class__.__name__}: {exc}")
                continue
            counts[result.status] += 1
            items += result.items
            votes += result.votes
            new_persons += result.new_persons
            if verbosity >= 2:
                self.stdout.write(f"{path}: {result.status}, {result.items} items, {result.votes} votes")
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
        self.stdout.write(self.style.SUCCESS(summary) if not failures else summary)
        if failures:
            # CommandError exits non-zero without a traceback; the failures are listed above.
            raise CommandError(f"{len(failures)} of {len(files)} files failed")
