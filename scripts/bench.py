"""`make bench SIZE=100k`: the archive side by side with the floor and a naive baseline.

One run, one database, one query mix:
- ours:  the search, case, person and meeting pages and their JSON twins, timed around the
         full Django request (routing, middleware, queries, template) in this process;
- floor: the same full-text query (same tsquery, same GIN index, same ranking, first page)
         as raw SQL through psycopg, no Django;
- naive: a case-insensitive substring search through the ORM (`icontains`) over the item text.

The corpus comes from `decisions.corpus.load_corpus` (the one write path) into a database of
its own, `bench_<size>`, kept between runs (pass --fresh to rebuild). Results go to
bench-results/<size>.json and .md. Not a test: figures depend on the machine, which is named.
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
os.environ.setdefault("ARCHIVE_ALLOW_EPHEMERAL_KEY", "1")
os.environ.setdefault("ARCHIVE_PLAIN_STATIC", "1")
# A page is timed (or counted) as made, not as kept: repeating a URL would time the page cache.
os.environ.setdefault("ARCHIVE_PAGE_CACHE", "0")

CLASSES = (
    "common",
    "medium",
    "rare",
    "phrase",
    "compound",
    "case_exact",
    "case_prefix",
    "person",
    "person_deep",
    "zero_hit",
    "expensive",
)
SEARCH_CLASSES = ("common", "medium", "rare", "phrase", "compound", "zero_hit", "expensive")
# Shapes whose cost grew with the archive (the hardening review): exclusions only, many
# excluded prefixes, many prefixes, stop-word phrases joined by `or`. Some are refused (400).
# No floor or naive figure: there is no same query to compare with.
UNCOMPARED_CLASSES = ("expensive",)
TERMS_PER_CLASS = 20


def parse_size(text: str) -> int:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([km]?)", text.strip().lower())
    if not match:
        raise SystemExit(f"SIZE must look like 300, 10k, 100k or 1m, not {text!r}")
    return int(float(match[1]) * {"": 1, "k": 1_000, "m": 1_000_000}[match[2]])


def page_urls(klass: str, term: str, *, deep_page: int | None = None) -> tuple[str, str | None]:
    """The page URL and its JSON twin for one query of a class (person_deep needs its page).
    A case's or person's term is "<municipality slug> <number or slug>": both are per municipality."""
    from urllib.parse import quote, urlencode

    if klass in SEARCH_CLASSES:
        qs = urlencode({"q": term})
        return f"/search/?{qs}", f"/api/search/?{qs}"
    if klass == "case_exact":
        municipality, number = term.split(" ", 1)
        return f"/{municipality}/cases/{quote(number)}/", f"/api/{municipality}/cases/{quote(number)}/"
    if klass == "case_prefix":
        return f"/cases/?{urlencode({'prefix': term})}", None
    if klass == "person":
        municipality, slug = term.split(" ", 1)
        return f"/{municipality}/people/{slug}/", f"/api/{municipality}/people/{slug}/"
    if klass == "person_deep":
        municipality, slug = term.split(" ", 1)
        return f"/{municipality}/people/{slug}/?page={deep_page}", None
    raise ValueError(klass)


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (
        f"{cpu}, {os.cpu_count()} CPUs, {memory:.0f} GiB RAM, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def percentiles(samples: list[float]) -> dict[str, float] | None:
    if not samples:
        return None
    ordered = sorted(samples)

    def at(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))], 3)

    return {"p50_ms": at(50), "p95_ms": at(95), "p99_ms": at(99), "n": len(ordered)}


def use_database(name: str, *, fresh: bool, create: bool = True) -> tuple[str, bool]:
    """Point Django at database `name` on the same server (created if missing, unless not
    `create`: then a missing database stops the run); returns its URL."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    from archive.db import embedded_url

    embedded = not os.environ.get("DATABASE_URL")
    base = os.environ.get("DATABASE_URL") or embedded_url()
    parts = urlsplit(base)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    created = False
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if fresh:
            if embedded:  # a corpus made before the application's own role: it may drop it once it owns it
                embedded_url(name)
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            if not create:
                raise SystemExit(f"There is no database {name}: run `make bench` at that size first")
            conn.execute(f'CREATE DATABASE "{name}"')
            created = True
    # On the embedded server, a corpus made before the application's own role becomes its own.
    url = embedded_url(name) if embedded else urlunsplit(parts._replace(path=f"/{name}"))
    os.environ["DATABASE_URL"] = url
    return url, created


def drop_database(name: str) -> None:
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(os.environ["DATABASE_URL"])
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Bench:
    def __init__(
        self, size: int, seed: int, rounds: int, naive_rounds: int, naive_terms: int, classes: tuple[str, ...] = CLASSES
    ):
        self.size, self.seed, self.rounds, self.classes = size, seed, rounds, classes
        self.naive_rounds, self.naive_terms = naive_rounds, naive_terms
        self.floor_indexscan: dict[str, str] = {}
        self.rng = random.Random(seed)
        from django.test import Client

        # No setup_test_environment(): it instruments template rendering (a deep copy of every
        # context), which a real server does not do. So the host is one ALLOWED_HOSTS has.
        self.client = Client(SERVER_NAME="127.0.0.1")

    # -- the corpus -------------------------------------------------------------------------
    def load(self) -> dict:
        from django.core.management import call_command

        from decisions.corpus import load_corpus
        from decisions.models import AgendaItem

        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        existing = AgendaItem.objects.count()
        if existing:
            print(f"Reusing the corpus in this database ({existing} items); --fresh rebuilds it")
            return {
                "load_s": None,
                "index_build_s": None,
                "analyze_s": None,
                "load_items_per_s": None,
                "load_workers": None,
                "items": existing,
                "reused": True,
            }
        stats = load_corpus(self.size, self.seed)
        print(
            f"Loaded {stats.items} items in {stats.load_s:.1f} s, indexes built in {stats.index_build_s:.1f} s, "
            f"vacuumed and analyzed in {stats.analyze_s:.1f} s"
        )
        return {
            "load_s": round(stats.load_s, 2),
            "index_build_s": round(stats.index_build_s, 2),
            "analyze_s": round(stats.analyze_s, 2),
            "load_items_per_s": round(stats.items / stats.load_s, 1) if stats.load_s else None,
            "load_workers": stats.workers,
            "items": stats.items,
            "reused": False,
        }

    # -- the query mix ----------------------------------------------------------------------
    def choose_terms(self) -> dict[str, list[str]]:
        """At least TERMS_PER_CLASS queries per class, chosen by document frequency."""
        from django.db import connection
        from django.db.models import CharField, Value
        from django.db.models.functions import Concat

        from decisions.models import AgendaItem, Case, Person, Vote
        from decisions.views.people import ROWS_PER_PAGE

        total = AgendaItem.objects.count()
        sample_every = max(1, total // 20000)
        with connection.cursor() as cursor:
            # Document frequency estimated on a systematic sample of about 20 000 items.
            cursor.execute(
                "SELECT word, ndoc FROM ts_stat('SELECT search_vector FROM decisions_agendaitem "
                f"WHERE mod(id, {sample_every}) = 0') WHERE length(word) >= 4 AND word ~ '^[a-zæøå]+$'"
            )
            stats = cursor.fetchall()
            sampled = max(1, total // sample_every)
        frequency = {word: ndoc / sampled for word, ndoc in stats}
        by = sorted(frequency, key=frequency.get)

        def pick(words: list[str], n: int = TERMS_PER_CLASS) -> list[str]:
            words = sorted(words)
            self.rng.shuffle(words)
            return words[:n]

        lexemes = sorted(frequency)

        def matched(word: str) -> float:
            """About the share of items a search for `word` matches: a word matches its lexeme
            and every lexeme it begins (search.PREFIX_MIN_LENGTH), so `bent` also finds `bente`."""
            share, i = 0.0, bisect.bisect_left(lexemes, word)
            while i < len(lexemes) and lexemes[i].startswith(word):
                share, i = share + frequency[lexemes[i]], i + 1
            return share

        common = pick([w for w in by if frequency[w] > 0.30])
        medium = pick([w for w in by if frequency[w] >= 0.01 and matched(w) <= 0.05])
        # Rare: below 0.01 % of items; in a sample that means seen once (or the rarest there are).
        rare = pick([w for w in by if matched(w) * total <= max(1, total * 0.0001)]) or by[:TERMS_PER_CLASS]
        compound = pick(sorted({w[: max(6, len(w) // 2)] for w in by if len(w) >= 14}))
        # Phrases as a reader copies them from a title: two neighbouring words, or three with
        # a short word between ("ansøgning om midler").
        phrases = []
        for title in self.sample(AgendaItem.objects.all(), "title", 200):
            words = re.findall(r"[a-zæøåA-ZÆØÅ]+", title.lower())
            for i in range(len(words) - 1):
                if len(words[i]) >= 4 and len(words[i + 1]) >= 4:
                    phrases.append(f'"{words[i]} {words[i + 1]}"')
                    break
                if i + 2 < len(words) and len(words[i]) >= 4 and len(words[i + 2]) >= 4:
                    phrases.append(f'"{words[i]} {words[i + 1]} {words[i + 2]}"')
                    break
            if len(phrases) >= TERMS_PER_CLASS:
                break
        cases = self.sample(
            Case.objects.annotate(term=Concat("municipality__slug", Value(" "), "number", output_field=CharField())),
            "term",
            TERMS_PER_CLASS,
        )
        numbers = [term.split(" ", 1)[1] for term in cases]
        prefixes = sorted({number[: self.rng.choice((5, 8))] for number in numbers})
        while len(prefixes) < TERMS_PER_CLASS:
            prefixes.append(self.rng.choice(numbers)[:8])
        people = self.sample(
            Person.objects.filter(votes__isnull=False)
            .distinct()
            .annotate(term=Concat("municipality__slug", Value(" "), "slug", output_field=CharField())),
            "term",
            TERMS_PER_CLASS,
        )
        deep = {}
        for term in people:
            municipality, slug = term.split(" ", 1)
            rows = Vote.objects.filter(person__municipality__slug=municipality, person__slug=slug).count()
            deep[term] = max(1, rows // ROWS_PER_PAGE // 2)  # the middle page of the record
        zero = [f"zqx{self.rng.randrange(10**6, 10**7)}" for _ in range(TERMS_PER_CLASS)]
        expensive = self.expensive_queries(common, medium, rare)
        self.deep_pages = deep
        return {
            "common": common,
            "medium": medium,
            "rare": rare,
            "phrase": phrases,
            "compound": compound,
            "case_exact": cases,
            "case_prefix": prefixes[:TERMS_PER_CLASS],
            "person": people,
            "person_deep": people,
            "zero_hit": zero,
            "expensive": expensive,
        }

    def expensive_queries(self, common: list[str], medium: list[str], rare: list[str]) -> list[str]:
        """TERMS_PER_CLASS queries of the shapes the hardening review found costly, made of this
        corpus's words, five of each shape."""
        prefixes = sorted({word[:4] for word in common + medium})
        stop = ("har til at af", "i og", "er for at", "og med den")
        shapes = []
        for n in range(TERMS_PER_CLASS // 4):
            picked = self.rng.sample(prefixes, min(16, len(prefixes)))
            shapes.append(" ".join(f"-{p}" for p in [rare[n % len(rare)], *picked[:15]]))  # exclusions only
            shapes.append(f"{common[n % len(common)]} " + " ".join(f"-{p}" for p in picked[:15]))
            shapes.append(" ".join(picked))  # many prefixes
            a, b, c, d = (self.rng.choice(common + medium) for _ in range(4))
            shapes.append(f'"{a} {stop[n % 4]} {b}" or "{c} {stop[(n + 1) % 4]} {d}"')
        return shapes

    def sample(self, queryset, field: str, n: int) -> list:
        """`field` of n rows drawn by the seeded generator: the same corpus and seed give the
        same terms in every run, so that two versions of the code are measured on the same
        queries (ORDER BY random() drew others each time)."""
        ids = sorted(queryset.values_list("pk", flat=True))
        chosen = self.rng.sample(ids, min(n, len(ids)))
        values = dict(queryset.filter(pk__in=chosen).values_list("pk", field))
        return [values[pk] for pk in chosen]

    # -- ours -------------------------------------------------------------------------------
    def ours(self, klass: str, term: str) -> tuple[str, str | None]:
        """The page URL and its JSON twin for one query."""
        return page_urls(klass, term, deep_page=self.deep_pages.get(term) if klass == "person_deep" else None)

    def time_get(self, url: str) -> tuple[float, float]:
        """The request's time and, of it, the time spent in its queries (sent, run by
        PostgreSQL, rows received), both in ms: what is left is this process's own work."""
        from django.db import connection

        spent = [0.0]

        def timed(execute, sql, params, many, context):
            start = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent[0] += time.perf_counter() - start

        start = time.perf_counter()
        with connection.execute_wrapper(timed):
            response = self.client.get(url)
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code >= 500:
            raise RuntimeError(f"{url} answered {response.status_code}")
        return elapsed, spent[0] * 1000

    # -- the floor --------------------------------------------------------------------------
    def floor_search_sql(self, term: str) -> tuple[str, list]:
        """The same full-text query as ours in one statement, as if it knew beforehand where its
        newest COUNT_CAP + 1 matches begin: ours finds that out (search.newest_matches), the
        floor is told (chosen once, not timed). Same GIN index, same ranking, first page only."""
        from django.db import connection

        from decisions.models import AgendaItem
        from decisions.search import (
            COUNT_CAP,
            RESULTS_PER_PAGE,
            TsQuery,
            _newest_first,
            candidate_plan,
            index_matching,
            matching,
            newest_matches,
            parse_query,
        )

        query = parse_query(term)
        items = matching(AgendaItem.objects.all(), query)
        with index_matching(), connection.cursor() as cursor:
            plan = candidate_plan(query, items, cursor)
            newest = newest_matches(query, items)
        ids = items.order_by().values("id")
        if plan.way == "slices" and len(newest) > COUNT_CAP:
            ids = ids.filter(meeting_date__gte=AgendaItem.objects.get(pk=newest[-1]).meeting_date)
        candidates, candidates_params = _newest_first(ids, walk=plan.way == "walk")[
            : COUNT_CAP + 1
        ].query.sql_with_params()
        tsquery, tsquery_params = TsQuery(query).as_sql(None, connection)
        sql = (
            f"SELECT i.id FROM ({candidates}) AS n JOIN decisions_agendaitem i ON i.id = n.id "
            f"ORDER BY ts_rank(i.search_vector, {tsquery}) DESC, i.meeting_date DESC, i.number, i.id "
            f"LIMIT {RESULTS_PER_PAGE}"
        )
        # A slice is read through the bitmaps, as ours reads it (search._bitmaps_only).
        self.floor_indexscan[term] = "off" if plan.way == "slices" else "on"
        return sql, [*candidates_params, *tsquery_params]

    def floor_sql(self, klass: str, term: str) -> tuple[str, list] | None:
        """Raw SQL for the same first page, compiled once from our tsquery expression."""
        if klass in UNCOMPARED_CLASSES:
            return None
        if klass in SEARCH_CLASSES:
            return self.floor_search_sql(term)
        if klass == "case_exact":
            return (
                "SELECT i.id, i.title FROM decisions_agendaitem i JOIN decisions_case c ON c.id = i.case_id "
                "JOIN decisions_municipality mu ON mu.id = c.municipality_id "
                "JOIN decisions_meeting m ON m.id = i.meeting_id WHERE mu.slug = %s AND c.number = %s "
                "ORDER BY m.date, i.number",
                term.split(" ", 1),
            )
        if klass == "case_prefix":
            return (
                "SELECT number FROM decisions_case WHERE number LIKE %s ORDER BY number LIMIT 50",
                [term.replace("%", "") + "%"],
            )
        if klass in ("person", "person_deep"):
            from decisions.views.people import ROWS_PER_PAGE

            offset = 0 if klass == "person" else (self.deep_pages[term] - 1) * ROWS_PER_PAGE
            return (
                "SELECT v.id, v.position, v.subject, i.title, m.date FROM decisions_vote v "
                "JOIN decisions_person p ON p.id = v.person_id JOIN decisions_agendaitem i ON i.id = v.item_id "
                "JOIN decisions_municipality mu ON mu.id = p.municipality_id "
                "JOIN decisions_meeting m ON m.id = i.meeting_id WHERE mu.slug = %s AND p.slug = %s "
                "ORDER BY i.meeting_date DESC, i.number, v.line LIMIT %s OFFSET %s",
                [*term.split(" ", 1), ROWS_PER_PAGE, offset],
            )
        return None

    # -- the naive baseline -----------------------------------------------------------------
    def naive(self, term: str) -> float:
        from django.db.models import Q

        from decisions.models import AgendaItem

        word = term.strip('"').split()[0] if term.strip('"') else term
        start = time.perf_counter()
        list(
            AgendaItem.objects.filter(Q(title__icontains=word) | Q(sections__icontains=word))
            .order_by("-meeting__date")
            .values_list("id", "title")[:20]
        )
        return (time.perf_counter() - start) * 1000

    def run_classes(self, terms: dict[str, list[str]]) -> dict:
        import psycopg

        from decisions.search import SEARCH_SETTINGS

        results: dict[str, dict] = {}
        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as raw:
            for klass in self.classes:
                # As ours does around text matching (search.index_matching).
                for name, value in SEARCH_SETTINGS.items():
                    if klass in SEARCH_CLASSES:
                        raw.execute("SELECT set_config(%s, %s, false)", [name, value])
                    else:
                        raw.execute(f"RESET {name}")
                raw.execute("RESET enable_indexscan")
                ours, ours_db, ours_api, floor = [], [], [], []
                for term in terms[klass]:
                    page, api = self.ours(klass, term)
                    self.client.get(page)  # warm: first touch of this query's pages
                    for _ in range(self.rounds):
                        elapsed, in_queries = self.time_get(page)
                        ours.append(elapsed)
                        ours_db.append(in_queries)
                        if api:
                            ours_api.append(self.time_get(api)[0])
                    sql = self.floor_sql(klass, term)
                    if sql and klass in SEARCH_CLASSES:
                        raw.execute("SELECT set_config('enable_indexscan', %s, false)", [self.floor_indexscan[term]])
                    if sql:
                        raw.execute(*sql).fetchall()
                        for _ in range(self.rounds):
                            start = time.perf_counter()
                            raw.execute(*sql).fetchall()
                            floor.append((time.perf_counter() - start) * 1000)
                entry = {
                    "ours": percentiles(ours),
                    "ours_queries": percentiles(ours_db),
                    "ours_api": percentiles(ours_api),
                    "floor": percentiles(floor),
                }
                entry["terms"] = terms[klass][:5]
                results[klass] = entry
                print(
                    f"{klass:12} ours p95 {entry['ours']['p95_ms']:8.2f} ms"
                    + (f"  floor p95 {entry['floor']['p95_ms']:8.2f} ms" if entry["floor"] else "")
                )
        # The naive scan reads every item's text (a few terms per class show the ratio); it runs
        # last because it pushes the rest of the database out of the caches.
        for klass in self.classes:
            if klass not in SEARCH_CLASSES or klass in UNCOMPARED_CLASSES or not self.naive_terms:  # 0 skips it
                continue
            naive = [self.naive(term) for term in terms[klass][: self.naive_terms] for _ in range(self.naive_rounds)]
            results[klass]["naive"] = percentiles(naive)
            print(f"{klass:12} naive p95 {results[klass]['naive']['p95_ms']:9.2f} ms")
        return results

    # -- ingest on the real path ------------------------------------------------------------
    def ingest_throughput(self, items: int) -> dict:
        """Minutes text → parse → write, into a scratch database of its own."""
        from decisions.corpus import generate_meetings
        from decisions.minutes import parse_minutes

        texts = [text for _, text in generate_meetings(items, self.seed + 1)]
        size = sum(len(t.encode()) for t in texts)
        start = time.perf_counter()
        for text in texts:
            parse_minutes(text)
        parse_s = time.perf_counter() - start
        script = (
            "import sys, time, hashlib\n"
            "import django; django.setup()\n"
            "from django.core.management import call_command\n"
            "call_command('migrate', verbosity=0)\n"
            "call_command('createcachetable', verbosity=0)\n"
            "from decisions.corpus import generate_meetings\n"
            "from decisions.minutes import parse_minutes\n"
            "from decisions.services import PersonResolver, default_municipality, ingest_meeting\n"
            f"texts = [t for _, t in generate_meetings({items}, {self.seed + 1})]\n"
            "people = PersonResolver(default_municipality())\n"
            "start = time.perf_counter()\n"
            "n = 0\n"
            "for i, text in enumerate(texts):\n"
            "    r = ingest_meeting(parse_minutes(text), source_name=f'm{i}.txt', source_text=text,\n"
            "                       sha256=hashlib.sha256(text.encode()).hexdigest(), people=people)\n"
            "    n += r.items\n"
            "print(n, time.perf_counter() - start)\n"
        )
        env = dict(os.environ)
        _, _ = use_database("bench_ingest", fresh=True)
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
        try:
            proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
            if proc.returncode:
                raise SystemExit(f"ingest throughput run failed:\n{proc.stderr[-3000:]}")
            out = proc.stdout.split()
        finally:
            drop_database("bench_ingest")
        done, seconds = int(out[0]), float(out[1])
        return {
            "ingest_items": done,
            "ingest_items_per_s": round(done / seconds, 1),
            "parse_mb_per_s": round(size / parse_s / 1e6, 2),
        }


def database_sizes() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        db_bytes = cursor.fetchone()[0]
        cursor.execute(
            "SELECT coalesce(sum(pg_indexes_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r'"
        )
        index_bytes = int(cursor.fetchone()[0])
        cursor.execute("SELECT pg_relation_size('item_search_vector_gin')")
        gin_bytes = cursor.fetchone()[0]
    return {"db_bytes": db_bytes, "index_bytes": index_bytes, "search_gin_bytes": gin_bytes}


def calibration() -> dict:
    """How fast this machine is right now, on fixed work that no change of ours touches: a pure
    Python loop and a PostgreSQL aggregate, median ms of 5. Measured before and after the
    queries; on a shared VM the same code's figures move with these."""
    from django.db import connection

    def python_work() -> int:
        table: dict[int, int] = {}
        for n in range(200_000):
            table[n % 1009] = table.get(n % 1009, 0) + n * 7 // 3
        return sum(table.values())

    def median_ms(work) -> float:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            work()
            times.append((time.perf_counter() - start) * 1000)
        return round(statistics.median(times), 2)

    def sql_work() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM generate_series(1, 200000) AS n WHERE md5(n::text) LIKE '%a%'")
            cursor.fetchone()

    return {"python_ms": median_ms(python_work), "sql_ms": median_ms(sql_work)}


def markdown(result: dict) -> str:
    lines = [
        f"# Benchmark, {result['size']} items",
        "",
        f"Machine: {result['machine']}  ",
        f"Date: {result['date']}  ",
        "Machine speed now (fixed work, median ms, before / after the queries): Python "
        f"{result['calibration']['before']['python_ms']} / {result['calibration']['after']['python_ms']}, "
        f"PostgreSQL {result['calibration']['before']['sql_ms']} / {result['calibration']['after']['sql_ms']}",
        "",
        "| class | ours p50 | of it in queries (p50) | ours p95 | ours p99 | API p95 | floor p95 | ours/floor (p50) "
        "| naive p95 | naive/ours (p50) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for klass, entry in result["classes"].items():
        ours, floor, naive, api = entry["ours"], entry.get("floor"), entry.get("naive"), entry.get("ours_api")
        cells = [klass, f"{ours['p50_ms']:.2f}", f"{entry['ours_queries']['p50_ms']:.2f}"]
        cells += [f"{ours['p95_ms']:.2f}", f"{ours['p99_ms']:.2f}"]
        cells.append(f"{api['p95_ms']:.2f}" if api else "–")
        cells += [f"{floor['p95_ms']:.2f}", f"{entry['ours_over_floor']:.2f}"] if floor else ["–", "–"]
        cells += [f"{naive['p95_ms']:.1f}", f"{entry['naive_over_ours']:.1f}"] if naive else ["–", "–"]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        f"- ingest, minutes text → parse → write: {result['ingest_items_per_s']} items/s "
        f"({result.get('ingest_items')} items); parsing alone {result['parse_mb_per_s']} MB/s",
        f"- corpus load {result['load_s']} s ({result.get('load_items_per_s')} items/s from minutes text, "
        f"{result.get('load_workers')} workers), index build {result['index_build_s']} s, "
        f"VACUUM (ANALYZE) {result.get('analyze_s')} s",
        f"- database {result['db_bytes'] / 2**20:.0f} MiB, of which indexes {result['index_bytes'] / 2**20:.0f} MiB "
        f"(search GIN {result['search_gin_bytes'] / 2**20:.0f} MiB)",
        f"- peak memory (RSS) {result['peak_rss_bytes'] / 2**20:.0f} MiB",
    ]
    for name, lt in (result.get("load_tests") or {}).items():
        lines.append(
            f"- HTTP load test, page {name} ({lt['clients']} clients, {lt['seconds']} s, gunicorn {lt['workers']} "
            f"workers): {lt['requests_per_s']} requests/s, p50 {lt['p50_ms']} ms, p95 {lt['p95_ms']} ms, "
            f"errors {lt['errors']}"
        )
    if result.get("attack_test"):
        at = result["attack_test"]
        quiet, busy, attacked = at["quiet"], at["beside_ordinary"], at["under_attack"]
        lines.append(
            f"- attack test ({at['seconds']} s each, gunicorn {at['workers']} workers): one client's ordinary search "
            f"p50 / p95 {quiet['p50_ms']} / {quiet['p95_ms']} ms alone; beside {at['attackers']} clients at "
            f"{at['attack_rate']} requests/s each, {busy['p50_ms']} / {busy['p95_ms']} ms when they send ordinary "
            f"searches, {attacked['p50_ms']} / {attacked['p95_ms']} ms when they send expensive ones "
            f"(answers {at['attack_statuses']}, slowest {at['attack_max_ms']} ms)"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="100k", help="Corpus size: 10k, 100k (default), 1m or a number.")
    parser.add_argument("--seed", type=int, default=1, help="Corpus seed (default 1).")
    parser.add_argument("--rounds", type=int, default=3, help="Timed repetitions per query (default 3).")
    parser.add_argument("--naive-rounds", type=int, default=1, help="Repetitions of the naive scan (default 1).")
    parser.add_argument("--naive-terms", type=int, default=5, help="Terms per class for the naive scan (default 5).")
    parser.add_argument("--ingest-items", type=int, default=3000, help="Items for the ingest throughput run.")
    parser.add_argument("--load-seconds", type=int, default=60, help="HTTP load test length; 0 skips it.")
    parser.add_argument(
        "--attack-seconds",
        type=int,
        default=30,
        help="Seconds of each half of the attack test (ordinary searches alone, then beside costly ones); 0 skips.",
    )
    parser.add_argument(
        "--classes", default=",".join(CLASSES), help="Comma-separated classes to measure (default: all)."
    )
    parser.add_argument("--fresh", action="store_true", help="Rebuild the corpus database even if it exists.")
    parser.add_argument("--drop", action="store_true", help="Drop the corpus database afterwards.")
    parser.add_argument("--out", default=str(ROOT / "bench-results"), help="Output folder (default bench-results/).")
    args = parser.parse_args()

    size = parse_size(args.size)
    label = args.size.lower()
    db_name = f"bench_{size}"
    url, _ = use_database(db_name, fresh=args.fresh)

    import django

    django.setup()
    print(f"Machine: {machine()}\nDatabase: {db_name}")
    classes = tuple(c for c in args.classes.split(",") if c)
    unknown = set(classes) - set(CLASSES)
    if unknown:
        raise SystemExit(f"Unknown classes: {', '.join(sorted(unknown))}; known: {', '.join(CLASSES)}")
    bench = Bench(size, args.seed, args.rounds, args.naive_rounds, args.naive_terms, classes)
    load = bench.load()
    terms = bench.choose_terms()
    before = calibration()
    classes = bench.run_classes(terms)
    after = calibration()
    for entry in classes.values():
        ours = entry["ours"]["p50_ms"]
        if entry.get("floor"):
            entry["ours_over_floor"] = round(ours / max(entry["floor"]["p50_ms"], 1e-6), 2)
        if entry.get("naive"):
            entry["naive_over_ours"] = round(entry["naive"]["p50_ms"] / max(ours, 1e-6), 1)
    sizes = database_sizes()
    result = {
        "size": label,
        "items": load["items"],
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "classes": classes,
        "load_s": load["load_s"],
        "index_build_s": load["index_build_s"],
        "analyze_s": load["analyze_s"],
        "load_items_per_s": load["load_items_per_s"],
        "load_workers": load["load_workers"],
        "corpus_reused": load["reused"],
        "calibration": {"before": before, "after": after},
        **sizes,
    }
    from django.db import connections

    connections.close_all()
    result.update({"ingest_items": 0, "ingest_items_per_s": None, "parse_mb_per_s": None})
    if args.ingest_items:
        result.update(bench.ingest_throughput(args.ingest_items))
    os.environ["DATABASE_URL"] = url
    if args.load_seconds:
        from scripts.loadtest import run_load_test

        # The search mix with the whole-page cache off and on, each for repeated URLs (the mix's
        # 120, over and over) and for unique ones (each request's URL new, so no cache holds it).
        urls = [bench.ours(k, t)[0] for k in SEARCH_CLASSES if k not in UNCOMPARED_CLASSES for t in terms[k]]
        result["load_tests"] = {
            f"cache {'on' if cache else 'off'}, {'unique' if unique else 'repeated'}": run_load_test(
                database_url=url, seconds=args.load_seconds, clients=16, urls=urls, unique=unique, page_cache=cache
            )
            for cache in (False, True)
            for unique in (False, True)
        }
        result["load_test"] = result["load_tests"]["cache on, repeated"]
    if args.attack_seconds:
        from scripts.loadtest import run_attack_test

        result["attack_test"] = run_attack_test(
            database_url=url,
            seconds=args.attack_seconds,
            ordinary=[bench.ours("medium", t)[0] for t in terms["medium"]],
            attack=[bench.ours("expensive", t)[0] for t in terms["expensive"]],
        )
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result["peak_rss_bytes"] = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, children) * 1024
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{label}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    (out / f"{label}.md").write_text(markdown(result))
    print(markdown(result))
    if args.drop:
        drop_database(db_name)


if __name__ == "__main__":
    main()
