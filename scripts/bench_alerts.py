"""`make bench-alerts SIZE=100k SUBSCRIPTIONS=2000`: what a `send_alerts` run costs the archive.

On a copy of the benchmark's corpus database (`bench_<size>`, made by `make bench`; the copy is
dropped afterwards): SUBSCRIPTIONS confirmed subscriptions (searches for words of the corpus in
all three schedules, with and without a filter, and cases, people and committees), then
- runs with nothing written since the last one (what the five-minute timer mostly does);
- a run after one new meeting is loaded (every subscription's query against it), and
- the same after one new meeting into which the searches' words were written, so that
  many e-mails go out (Django's in-memory e-mail backend: the archive's work, not the mail
  server's).
Medians of wall-clock time, with the machine named. Not a test."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
os.environ.setdefault("ARCHIVE_ALLOW_EPHEMERAL_KEY", "1")
# The new meetings' original files go to a scratch folder, not the project's media/.
os.environ.setdefault("ARCHIVE_MEDIA_ROOT", tempfile.mkdtemp(prefix="bench-alerts-"))

from scripts.bench import machine, parse_size, use_database  # noqa: E402

COPY = "bench_alerts"
MONTH = "januar"


def minutes_text(day: int, words: list[str]) -> str:
    """Minutes in the Odense layout (as tests.conftest.make_minutes writes them): one item a word."""
    head = [
        f"REFERAT Benchudvalget 2022-2025 d. {day:02d}-01-2026",
        "",
        f"Mødedato Tirsdag d. {day:02d}. {MONTH} 2026 kl. 09:00",
        "",
        "Mødested Rådhuset",
        "",
        "Indholdsfortegnelse",
        "",
        *(f"Sag om {word}.....\t{n + 2}" for n, word in enumerate(words, 1)),
    ]
    body = []
    for n, word in enumerate(words, 1):
        body += ["", f"Punkt {n}: Sag om {word}", "", f"00.01.00-A00-{n}-26", "", "Resume", "", f"Om {word}.", ""]
        body += ["Beslutning", "", "Godkendt.", ""]
    return "\n".join(head + body) + "\n"


def copy_corpus(size: int) -> str:
    """A copy of bench_<size> (CREATE DATABASE … TEMPLATE): the run writes subscriptions and a
    meeting, which the benchmark's own corpus must not get."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    source_url, _ = use_database(f"bench_{size}", fresh=False, create=False)
    parts = urlsplit(source_url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{COPY}" WITH (FORCE)')
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [f"bench_{size}"])
        conn.execute(f'CREATE DATABASE "{COPY}" TEMPLATE "bench_{size}"')
    url, _ = use_database(COPY, fresh=False, create=False)
    return url


def subscribe_many(count: int, words: list[str]) -> None:
    from django.db import transaction
    from django.utils import timezone

    from decisions.alerts.subscriptions import confirm, subscribe
    from decisions.alerts.targets import target_from_data
    from decisions.models import Case, Committee, Person

    cases = list(Case.objects.select_related("municipality").order_by("?")[: count // 10])
    people = list(Person.objects.select_related("municipality").order_by("?")[: count // 10])
    committees = list(Committee.objects.select_related("municipality").order_by("?")[: count // 20])
    forms = (
        [{"kind": "case", "municipality": c.municipality.slug, "number": c.number} for c in cases]
        + [{"kind": "person", "municipality": p.municipality.slug, "person": p.slug} for p in people]
        + [{"kind": "committee", "municipality": c.municipality.slug, "committee": c.slug} for c in committees]
    )
    n = 0
    while len(forms) < count:
        word = words[n % len(words)]
        forms.append({"kind": "search", "q": word, **({"outcome": "approved"} if n % 3 == 0 else {})})
        n += 1
    schedules = ("immediate", "daily", "weekly")
    now = timezone.now()
    with transaction.atomic():
        for number, data in enumerate(forms[:count]):
            result = subscribe(
                email=f"bench{number}@example.dk", target=target_from_data(data), schedule=schedules[number % 3]
            )
            confirm(result.subscription, now=now)


def new_meeting(day: int, words: list[str]) -> None:
    from decisions.services import ingest_bytes

    text = minutes_text(day, words[:20])
    ingest_bytes(text.encode(), name=f"bench-alerts-{day}.txt", municipality="Benchkommune")


def timed(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="100k", help="The corpus of `make bench` to copy (default 100k).")
    parser.add_argument("--subscriptions", type=int, default=2000, help="Confirmed subscriptions (default 2000).")
    parser.add_argument("--rounds", type=int, default=5, help="Runs with nothing new to time (default 5).")
    args = parser.parse_args()
    size = parse_size(args.size)
    copy_corpus(size)

    import django

    django.setup()
    from django.conf import settings
    from django.core import mail
    from django.core.management import call_command

    from decisions.alerts.sending import send_alerts
    from decisions.models import AgendaItem

    call_command("migrate", verbosity=0)  # a corpus made before the alerts' tables
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    words = sorted(
        {
            w
            for t in AgendaItem.objects.order_by("?").values_list("title", flat=True)[:400]
            for w in t.split()
            if len(w) > 6 and w.isalpha()
        }
    )[:200]
    print(f"Machine: {machine()}\nCorpus: bench_{size} ({AgendaItem.objects.count()} items), copied to {COPY}")
    made = timed(lambda: subscribe_many(args.subscriptions, words))
    print(f"{args.subscriptions} subscriptions made and confirmed in {made:.1f} s")
    send_alerts()  # the first look
    idle = [timed(send_alerts) for _ in range(args.rounds)]
    print(f"nothing new: median {statistics.median(idle) * 1000:.1f} ms a run ({args.rounds} runs)")
    mail.outbox = []
    new_meeting(5, ["xyzzyplugh"])
    one = timed(send_alerts)
    print(f"one new meeting matching no search: {one:.2f} s, {len(mail.outbox)} e-mails")
    mail.outbox = []
    new_meeting(12, words[:20])
    many = timed(send_alerts)
    print(f"one new meeting with 20 of the searches' words: {many:.2f} s, {len(mail.outbox)} e-mails")
    from django.db import connections

    connections.close_all()
    from scripts.bench import drop_database

    drop_database(COPY)


if __name__ == "__main__":
    main()
