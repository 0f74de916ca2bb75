"""`manage.py generate_corpus --items N [--seed S]`: a deterministic synthetic corpus, loaded
through the same parser and write path as real minutes (see decisions/corpus.py)."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from decisions.corpus import DROP_INDEXES_FROM, load_corpus, write_texts


class Command(BaseCommand):
    help = "Generate synthetic committee minutes (same items and seed, same corpus) and load them."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--items", type=int, required=True, help="Number of agenda items.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--write-text",
            metavar="DIR",
            help="Also write each meeting's minutes as DIR/<municipality>/<committee-slug>/<date>.txt.",
        )
        parser.add_argument("--no-load", action="store_true", help="Only write the text files (needs --write-text).")
        parser.add_argument("--batch", type=int, default=20, help="Meetings per transaction (default 20).")
        parser.add_argument("--workers", type=int, default=None, help="Loading processes (default: one per CPU).")
        indexes = parser.add_mutually_exclusive_group()
        indexes.add_argument(
            "--drop-indexes",
            action="store_true",
            default=None,
            help=f"Drop and rebuild secondary indexes around the load (default from {DROP_INDEXES_FROM} items).",
        )
        indexes.add_argument(
            "--keep-indexes", action="store_false", dest="drop_indexes", help="Never drop the indexes."
        )

    def handle(self, *args, items: int, seed: int, write_text: str | None, no_load: bool, batch: int,
               workers: int | None, drop_indexes: bool | None, **options) -> None:  # fmt: skip
        if items < 1:
            raise CommandError("--items must be at least 1")
        if batch < 1:
            raise CommandError("--batch must be at least 1")
        if workers is not None and workers < 1:
            raise CommandError("--workers must be at least 1")
        if no_load:
            if not write_text:
                raise CommandError("--no-load needs --write-text DIR")
            started = time.perf_counter()
            files = write_texts(items, seed, Path(write_text))
            seconds = time.perf_counter() - started
            self.stdout.write(
                self.style.SUCCESS(f"Wrote {files} meetings ({items} items) to {write_text} in {seconds:.1f} s")
            )
            return

        stats = load_corpus(items, seed, batch=batch, workers=workers, drop_indexes=drop_indexes, write_text=write_text)
        self.stdout.write(f"items            {stats.items}")
        self.stdout.write(f"meetings         {stats.meetings}")
        self.stdout.write(f"persons          {stats.persons}")
        self.stdout.write(f"votes            {stats.votes}")
        self.stdout.write(f"workers          {stats.workers}")
        self.stdout.write(f"load s           {stats.load_s:.1f}")
        if stats.dropped_indexes:
            self.stdout.write(f"index drop s     {stats.index_drop_s:.1f} ({len(stats.dropped_indexes)} indexes)")
        self.stdout.write(f"index build s    {stats.index_build_s:.1f}")
        self.stdout.write(f"vacuum+analyze s {stats.analyze_s:.1f}")
        self.stdout.write(
            f"in workers       generate {stats.generate_s:.1f} s, parse {stats.parse_s:.1f} s, "
            f"ingest {stats.ingest_s:.1f} s (summed over workers)"
        )
        rate = stats.items / stats.load_s if stats.load_s else 0.0
        self.stdout.write(
            self.style.SUCCESS(
                f"{stats.items_per_s:,.0f} items/s overall ({stats.total_s:.1f} s), {rate:,.0f} items/s loading"
            )
        )
