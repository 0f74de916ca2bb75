"""Instructions a page costs the serving process, counted by valgrind (callgrind), not timed.

On a shared VM the same page's time moves by a third between runs and by half within a day;
its instruction count repeats: 13.13 M a request for a case page at 100k items, three times
over on a quiet machine, and within 0.7 % with the test suite running beside it (how often
psycopg waits for a reply varies). Counting 2 to 10 requests gave 13.07-13.15 M (the
collector's runs fall differently). So two versions of the code can be compared on this
machine at any time: run this at each, with the same --rounds, and compare. PostgreSQL's own
work is another process and is not counted (`make bench` times it, with the floor).

    python scripts/instructions.py --size 100k [--rounds 5] [URL-PATH ...]

Without URL paths: the first term of each class in bench-results/<size>.json (written by
`make bench`), as the bench requests it. Needs valgrind (Debian's package) and the corpus
database bench_<size> that `make bench` built (or --database-url). Writes
bench-results/<size>-instructions.json (or --json PATH).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
os.environ.setdefault("ARCHIVE_ALLOW_EPHEMERAL_KEY", "1")
os.environ.setdefault("ARCHIVE_PLAIN_STATIC", "1")
# A page is timed (or counted) as made, not as kept: repeating a URL would time the page cache.
os.environ.setdefault("ARCHIVE_PAGE_CACHE", "0")


def child(url: str, rounds: int) -> None:
    """Under valgrind: load Django, warm the page, say ready, wait for the counting to start,
    then request the page `rounds` times."""
    import django

    django.setup()
    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1")
    for _ in range(2):  # the first request loads templates and caches; the second is as served
        status = client.get(url).status_code
    if status >= 400:
        raise SystemExit(f"{url} answered {status}")
    print(f"ready {os.getpid()}", flush=True)
    sys.stdin.readline()
    for _ in range(rounds):
        client.get(url)
    os._exit(0)  # the interpreter's shutdown is not the page's: leave before it (valgrind still writes)


def count(url: str, rounds: int, env: dict) -> int:
    """Instructions per request of `url` (this process's, PostgreSQL's not included)."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "callgrind.out"
        command = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}"]
        command += [sys.executable, __file__, "--child", "--rounds", str(rounds), url]
        # A fixed string hash: with a random one, dicts and sets lay out differently in each
        # process, and the same page's count moved by 2 %.
        env = {**env, "PYTHONHASHSEED": "0"}
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        line = proc.stdout.readline()
        if not line.startswith("ready "):
            proc.kill()
            raise SystemExit(f"{url}: the page did not load under valgrind:\n{proc.stderr.read()[-2000:]}")
        # Counting starts only now: Django's start and the warm-up are not counted.
        subprocess.run(["callgrind_control", "-i", "on", line.split()[1]], check=True, capture_output=True)
        proc.stdin.write("go\n")
        proc.stdin.close()
        if proc.wait():
            raise SystemExit(f"{url}: failed under valgrind:\n{proc.stderr.read()[-2000:]}")
        totals = re.search(r"^totals:\s*(\d+)", out.read_text(), re.MULTILINE)
        return int(totals[1]) // rounds


def bench_urls(results: Path) -> dict[str, str]:
    """One page a class, as `make bench` requests it: the first of each class's terms."""
    from scripts.bench import page_urls

    data = json.loads(results.read_text())
    urls = {}
    for klass, entry in data["classes"].items():
        if klass == "person_deep":
            continue  # its page number is chosen from the record's length; the person class covers the page
        urls[klass] = page_urls(klass, entry["terms"][0])[0]
    return urls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("urls", nargs="*", help="URL paths to count (default: one page a class of the bench).")
    parser.add_argument("--size", default="100k", help="The bench corpus to use: bench_<size> (default 100k).")
    parser.add_argument("--database-url", help="Use this database instead of the bench corpus.")
    parser.add_argument("--rounds", type=int, default=5, help="Counted requests per page (default 5).")
    parser.add_argument(
        "--out", default=str(ROOT / "bench-results"), help="Bench results folder (default bench-results/)."
    )
    parser.add_argument("--json", help="Write the counts here (default <out>/<size>-instructions.json).")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.urls[0], args.rounds)
        return
    if args.rounds < 1:
        raise SystemExit("--rounds must be at least 1")
    if not (shutil.which("valgrind") and shutil.which("callgrind_control")):
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    label = args.size.lower()
    if args.urls:
        urls = {url: url for url in args.urls}
    else:
        results = Path(args.out) / f"{label}.json"
        if not results.exists():
            raise SystemExit(f"No {results}: run `make bench SIZE={args.size}` first, or name URL paths")
        urls = bench_urls(results)
    env = dict(os.environ)
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    else:
        from scripts.bench import parse_size, use_database

        use_database(f"bench_{parse_size(args.size)}", fresh=False, create=False)
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    counted = {}
    for name, url in urls.items():
        counted[name] = {"url": url, "instructions": count(url, args.rounds, env)}
        print(f"{name:12} {counted[name]['instructions'] / 1e6:9.2f} M instructions a request  {url}", flush=True)
    target = Path(args.json) if args.json else Path(args.out) / f"{label}-instructions.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(counted, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
