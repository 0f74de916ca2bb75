"""manage.py harvest against a real HTTP server on 127.0.0.1 serving recorded FirstAgenda answers
(fixtures/harvest/firstagenda/) and variants of them made here. Nothing reaches beyond 127.0.0.1."""

from __future__ import annotations

import copy
import io
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command

from decisions.harvest.client import HarvestError, PoliteClient, retry_after_seconds
from decisions.models import Attachment, HarvestedMeeting, HarvestSource, Kind, Meeting
from tests.conftest import ROOT, attachment_pdf

pytestmark = pytest.mark.django_db

RECORDED = ROOT / "fixtures" / "harvest" / "firstagenda"
LISTING = json.loads((RECORDED / "udvalgsliste_trimmed.json").read_text(encoding="utf-8"))
AGENDA = json.loads((RECORDED / "dagsorden_oekonomiudvalget_2026-05-18.json").read_text(encoding="utf-8"))
MUNICIPALITY = "Hvidovre Kommune"
CONTACT = "arkiv@example.org"
LISTING_PATH = "/api/agenda/udvalgsliste"

# The three meetings the tests' listing keeps (ids and dates as recorded): Økonomiudvalget's agenda
# of 2026-05-18 (the recorded answer) and minutes of 2026-04-20, By- og Planudvalget's of 2026-05-04.
OEK_AGENDA = "0cad2b4d-c4a2-4583-a053-60704b2da0e5"
OEK_MINUTES = "915c068b-2a96-477a-b95a-e77ef12e515a"
BPU_MINUTES = "fd2d6261-1220-429e-9ed0-46db433c496c"
CLOSED = "00e56b9b-3aeb-47d3-9e6e-2aac5956d86b"  # made "Lukket referat" here


def meeting_path(remote_id: str) -> str:
    return f"/api/agenda/dagsorden/{remote_id}"


def listing(**changes: dict) -> dict:
    """The recorded listing cut to the tests' meetings (and one closed minutes), with `changes`
    (remote id → keys to set) applied."""
    keep = {OEK_AGENDA, OEK_MINUTES, BPU_MINUTES, CLOSED}
    data = copy.deepcopy(LISTING)
    period = data["Udvalg"]["Udvalg 2026-2029"]
    for committee in period:
        committee["Moeder"] = [m for m in committee["Moeder"] if m["Id"] in keep]
        for meeting in committee["Moeder"]:
            if meeting["Id"] == CLOSED:
                meeting["Navn"] = "Lukket referat"
            meeting.update(changes.get(meeting["Id"], {}))
    data["Udvalg"]["Udvalg 2026-2029"] = [c for c in period if c["Moeder"]]
    return data


def _listed(remote_id: str) -> tuple[str, dict]:
    for committee in LISTING["Udvalg"]["Udvalg 2026-2029"]:
        for meeting in committee["Moeder"]:
            if meeting["Id"] == remote_id:
                return committee["Navn"], meeting
    raise KeyError(remote_id)


def meeting_json(remote_id: str, *, minutes: bool | None = None, decision: str = "Godkendt.", title: str = "") -> dict:
    """The recorded answer made into `remote_id`'s: its committee, date and document name; as
    minutes, item 1 gets this meeting's decision block. `title` renames item 2."""
    committee, listed = _listed(remote_id)
    minutes = listed["Navn"] == "Referat" if minutes is None else minutes
    data = copy.deepcopy(AGENDA)
    data["Id"] = remote_id
    data["Udvalg"]["Navn"] = committee
    for key in ("Dato", "MeetingBeginUtc"):
        data["Moede"][key] = listed["Dato"]
    data["Moede"]["Navn"] = "Referat" if minutes else "Dagsorden"
    if minutes:
        day = listed["Dato"][:10].split("-")
        heading = f"Beslutning i {committee} den {day[2]}-{day[1]}-{day[0]}"
        field = data["Dagsordenpunkter"][0]["Felter"][0]
        field["Html"] = field["Html"].replace("</div></div>", f"<h3>{heading}</h3><p>{decision}</p></div></div>")
    if title:
        data["Dagsordenpunkter"][1]["Navn"] = data["Dagsordenpunkter"][1]["Caption"] = title
    return data


def answer(data: object, status: int = 200, headers: dict | None = None) -> tuple[int, dict, bytes]:
    body = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()
    return status, {"Content-Type": "application/json; charset=utf-8", **(headers or {})}, body


def site_routes(**changes: dict) -> dict:
    """path → answer for the listing and each listed meeting (not the closed one)."""
    routes = {LISTING_PATH: answer(listing(**changes))}
    for remote_id in (OEK_AGENDA, OEK_MINUTES, BPU_MINUTES):
        routes[meeting_path(remote_id)] = answer(meeting_json(remote_id))
    return routes


class Site:
    """A real HTTP server on 127.0.0.1: `routes` maps a path to (status, headers, body) or to a
    function of the request handler returning one (None: drop the connection); every request is
    recorded with its arrival time and headers."""

    def __init__(self) -> None:
        self.routes: dict = {}
        self.seen: list[tuple[str, float, dict]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                site.seen.append((self.path, time.monotonic(), dict(self.headers)))
                route = site.routes.get(self.path, (404, {"Content-Type": "text/plain"}, b"not found"))
                result = route(self) if callable(route) else route
                if result is None:
                    self.close_connection = True
                    return
                status, headers, body = result
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def paths(self) -> list[str]:
        return [path for path, _when, _headers in self.seen]


@pytest.fixture
def site(settings):
    settings.ARCHIVE_HARVEST_CONTACT = CONTACT
    server = Site()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def harvest(site: Site, *extra: str) -> tuple[str, str, int]:
    """Run the command against the site: (stdout, stderr, exit status)."""
    out, err = io.StringIO(), io.StringIO()
    args = ["--firstagenda", site.url, "--municipality", MUNICIPALITY, "--delay", "0", "--timeout", "1", *extra]
    try:
        call_command("harvest", *args, stdout=out, stderr=err)
        status = 0
    except CommandError as exc:
        err.write(str(exc))
        status = 1
    return out.getvalue(), err.getvalue(), status


def stored() -> list[tuple[str, str, str]]:
    return sorted((m.committee.name, m.date.isoformat(), m.kind) for m in Meeting.objects.select_related("committee"))


FIRST_RUN = [
    ("By- og Planudvalget", "2026-05-04", Kind.MINUTES),
    ("Økonomiudvalget", "2026-04-20", Kind.MINUTES),
    ("Økonomiudvalget", "2026-05-18", Kind.AGENDA),
]


def test_first_run_ingests_exactly_the_listed_meetings(site):
    site.routes = site_routes()
    out, err, status = harvest(site)
    assert status == 0, err
    assert stored() == FIRST_RUN
    assert Meeting.objects.get(date="2026-05-18").committee.municipality.name == MUNICIPALITY
    assert (
        "committees 2; meetings new 3, updated 0, unchanged 0, failed 0; attachments 0; "
        "skipped 1 (closed minutes, supplements)"
    ) in out
    # The listing, then each meeting once; the closed minutes never asked for.
    assert site.paths()[0] == LISTING_PATH
    assert sorted(site.paths()[1:]) == sorted(meeting_path(i) for i in (OEK_AGENDA, OEK_MINUTES, BPU_MINUTES))
    assert meeting_path(CLOSED) not in site.paths()
    source = HarvestSource.objects.get()
    assert source.base_url == site.url and not source.enabled and source.last_run_at is not None
    assert source.last_result.startswith("committees 2; meetings new 3")
    assert sorted(HarvestedMeeting.objects.values_list("remote_id", "released")) == sorted(
        (i, _listed(i)[1]["ReleasedDate"]) for i in (OEK_AGENDA, OEK_MINUTES, BPU_MINUTES)
    )
    assert all(h.meeting is not None for h in HarvestedMeeting.objects.all())


def test_user_agent_names_the_archive_and_the_contact(site):
    site.routes = site_routes()
    harvest(site)
    agents = {headers["User-Agent"] for _path, _when, headers in site.seen}
    assert len(agents) == 1
    (agent,) = agents
    assert agent.startswith("Beslutningsarkivet/") and agent.endswith(f" (+{CONTACT})")


def test_second_run_finds_nothing_new(site):
    site.routes = site_routes()
    harvest(site)
    site.seen.clear()
    out, err, status = harvest(site)
    assert status == 0, err
    assert "meetings new 0, updated 0, unchanged 3, failed 0" in out
    assert site.paths() == [LISTING_PATH]  # no meeting fetched again
    assert stored() == FIRST_RUN


def test_meeting_released_again_is_updated_in_place(site):
    site.routes = site_routes()
    harvest(site)
    before = Meeting.objects.get(date="2026-04-20")
    later = "2026-04-23T09:00:00.0000000+02:00"
    site.routes = site_routes(**{OEK_MINUTES: {"ReleasedDate": later}})
    site.routes[meeting_path(OEK_MINUTES)] = answer(meeting_json(OEK_MINUTES, title="Meddelelser fra borgmesteren"))
    site.seen.clear()
    out, err, status = harvest(site)
    assert status == 0, err
    assert "meetings new 0, updated 1, unchanged 2, failed 0" in out
    assert site.paths() == [LISTING_PATH, meeting_path(OEK_MINUTES)]
    after = Meeting.objects.get(date="2026-04-20")
    assert after.pk == before.pk
    assert after.items.get(number=2).title == "Meddelelser fra borgmesteren"
    assert HarvestedMeeting.objects.get(remote_id=OEK_MINUTES).released == later
    assert Meeting.objects.count() == 3


def test_minutes_replace_their_agenda(site):
    site.routes = site_routes()
    harvest(site)
    agenda = Meeting.objects.get(date="2026-05-18")
    assert agenda.kind == Kind.AGENDA
    released = "2026-05-20T10:00:00.0000000+02:00"
    site.routes = site_routes(**{OEK_AGENDA: {"Navn": "Referat", "ReleasedDate": released, "Afsluttet": True}})
    site.routes[meeting_path(OEK_AGENDA)] = answer(meeting_json(OEK_AGENDA, minutes=True, decision="Godkendt."))
    out, err, status = harvest(site)
    assert status == 0, err
    assert "meetings new 0, updated 1, unchanged 2, failed 0" in out
    minutes = Meeting.objects.get(date="2026-05-18")
    assert minutes.pk == agenda.pk and minutes.kind == Kind.MINUTES
    assert "Godkendt" in minutes.items.get(number=1).decision


def test_an_agenda_never_replaces_minutes(site):
    site.routes = site_routes()
    harvest(site)
    released = "2026-04-25T10:00:00.0000000+02:00"
    site.routes = site_routes(**{OEK_MINUTES: {"Navn": "Dagsorden", "ReleasedDate": released}})
    site.routes[meeting_path(OEK_MINUTES)] = answer(meeting_json(OEK_MINUTES, minutes=False, title="Ny titel"))
    out, _err, status = harvest(site)
    assert status == 0
    assert "agendas not loaded over minutes 1" in out
    kept = Meeting.objects.get(date="2026-04-20")
    assert kept.kind == Kind.MINUTES and kept.items.get(number=2).title != "Ny titel"
    # Recorded: the release is not fetched again.
    assert HarvestedMeeting.objects.get(remote_id=OEK_MINUTES).released == released


def test_500_then_success_is_retried(site):
    site.routes = site_routes()
    good = site.routes[meeting_path(BPU_MINUTES)]
    calls = []

    def flaky(_handler):
        calls.append(1)
        return answer(b"oops", 500) if len(calls) == 1 else good

    site.routes[meeting_path(BPU_MINUTES)] = flaky
    out, err, status = harvest(site)
    assert status == 0, err
    assert len(calls) == 2
    assert "meetings new 3, updated 0, unchanged 0, failed 0" in out


def test_429_waits_as_long_as_retry_after_says(site):
    site.routes = site_routes()
    good = site.routes[meeting_path(OEK_AGENDA)]
    calls = []

    def busy(_handler):
        calls.append(1)
        return answer(b"slow down", 429, {"Retry-After": "1"}) if len(calls) == 1 else good

    site.routes[meeting_path(OEK_AGENDA)] = busy
    _out, err, status = harvest(site)
    assert status == 0, err
    arrivals = [when for path, when, _headers in site.seen if path == meeting_path(OEK_AGENDA)]
    assert len(arrivals) == 2
    assert arrivals[1] - arrivals[0] >= 0.95  # Retry-After: 1 honoured (an ordering fact)
    assert Meeting.objects.filter(date="2026-05-18").exists()


def test_a_timeout_is_retried(site):
    site.routes = site_routes()
    good = site.routes[meeting_path(OEK_MINUTES)]
    calls = []

    def slow(_handler):
        calls.append(1)
        if len(calls) == 1:
            time.sleep(1.5)  # past the client's timeout of 1 s
        return good

    site.routes[meeting_path(OEK_MINUTES)] = slow
    out, err, status = harvest(site)
    assert status == 0, err
    assert len(calls) == 2
    assert "meetings new 3, updated 0, unchanged 0, failed 0" in out


def test_a_malformed_answer_is_refused_for_that_meeting(site):
    site.routes = site_routes()
    site.routes[meeting_path(OEK_MINUTES)] = answer(b'{"Dagsordenpunkter": [', 200)
    out, err, status = harvest(site)
    assert status == 1
    assert f"{site.url}{meeting_path(OEK_MINUTES)}:" in err
    assert "meetings new 2, updated 0, unchanged 0, failed 1" in out
    assert stored() == [FIRST_RUN[0], FIRST_RUN[2]]
    assert not HarvestedMeeting.objects.filter(remote_id=OEK_MINUTES).exists()


def test_a_listing_that_is_not_json_fails_the_source(site):
    site.routes = {LISTING_PATH: answer(b"<html>maintenance</html>")}
    out, err, status = harvest(site)
    assert status == 1
    assert f"{site.url}{LISTING_PATH}: the answer is not JSON" in err
    assert "failed 1" in out and Meeting.objects.count() == 0


def test_the_cookie_redirect_is_followed_once(site):
    routes = site_routes()

    def cookie_wall(route):
        def serve(handler):
            if "anon=1" not in (handler.headers.get("Cookie") or ""):
                return 302, {"Location": "/"}, b""
            return route

        return serve

    site.routes = {path: cookie_wall(route) for path, route in routes.items()}
    site.routes["/"] = (200, {"Set-Cookie": "anon=1; Path=/", "Content-Type": "text/html"}, b"<html></html>")
    _out, err, status = harvest(site)
    assert status == 0, err
    assert stored() == FIRST_RUN
    assert site.paths()[:3] == [LISTING_PATH, "/", LISTING_PATH]
    assert site.paths().count("/") == 1  # the cookie is kept for the rest of the run


def test_a_404_for_one_meeting_while_the_others_are_ingested(site):
    site.routes = site_routes()
    del site.routes[meeting_path(BPU_MINUTES)]
    out, err, status = harvest(site)
    assert status == 1
    assert f"{site.url}{meeting_path(BPU_MINUTES)}: HTTP 404" in err
    assert site.paths().count(meeting_path(BPU_MINUTES)) == 1  # no retry on a 404
    assert stored() == FIRST_RUN[1:]
    assert "meetings new 2, updated 0, unchanged 0, failed 1" in out
    assert HarvestSource.objects.get().last_result.startswith("committees 2; meetings new 2")


def test_an_interrupted_run_is_resumed(site):
    site.routes = site_routes()
    # Meetings are fetched oldest first: Økonomiudvalget 2026-04-20, By- og Planudvalget 2026-05-04, ...
    site.routes[meeting_path(BPU_MINUTES)] = lambda _handler: None  # the connection dropped, every time
    out, err, status = harvest(site, "--retries", "1")
    assert status == 1
    assert f"{site.url}{meeting_path(BPU_MINUTES)}: connection failed" in err
    assert site.paths().count(meeting_path(BPU_MINUTES)) == 2  # tried, retried once
    first = Meeting.objects.get(date="2026-04-20")
    first_fetched = HarvestedMeeting.objects.get(remote_id=OEK_MINUTES).fetched_at
    assert not Meeting.objects.filter(date="2026-05-04").exists()
    assert not HarvestedMeeting.objects.filter(remote_id=BPU_MINUTES).exists()

    site.routes = site_routes()
    site.seen.clear()
    out, err, status = harvest(site)
    assert status == 0, err
    assert "meetings new 1, updated 0, unchanged 2, failed 0" in out
    assert site.paths() == [LISTING_PATH, meeting_path(BPU_MINUTES)]
    assert stored() == FIRST_RUN
    assert Meeting.objects.get(date="2026-04-20").source_sha256 == first.source_sha256
    assert HarvestedMeeting.objects.get(remote_id=OEK_MINUTES).fetched_at == first_fetched


def test_a_failure_inside_the_write_leaves_the_meeting_untouched(site, monkeypatch):
    site.routes = site_routes()
    from decisions.harvest import firstagenda

    real = firstagenda.HarvestedMeeting.objects.update_or_create

    def crash(**kwargs):
        if kwargs["remote_id"] == BPU_MINUTES:
            raise KeyboardInterrupt  # the run is stopped after the meeting was written
        return real(**kwargs)

    monkeypatch.setattr(firstagenda.HarvestedMeeting.objects, "update_or_create", crash)
    with pytest.raises(KeyboardInterrupt):
        harvest(site)
    assert stored() == [FIRST_RUN[1]]  # written before; the interrupted one rolled back
    assert HarvestSource.objects.get().last_result.startswith("interrupted")
    monkeypatch.undo()
    out, err, status = harvest(site)
    assert status == 0, err
    assert "meetings new 2, updated 0, unchanged 1, failed 0" in out
    assert stored() == FIRST_RUN


def test_since_and_committee_filter(site):
    site.routes = site_routes()
    out, err, status = harvest(site, "--since", "2026-05-01", "--committee", "Økonomiudvalget")
    assert status == 0, err
    assert stored() == [FIRST_RUN[2]]
    assert "committees 1; meetings new 1, updated 0, unchanged 0, failed 0" in out


def test_with_attachments_fetches_and_extracts_the_pdfs(site):
    site.routes = site_routes()
    item = next(p for p in AGENDA["Dagsordenpunkter"] if p["Punktnummer"] == "28")
    (bilag,) = item["Bilag"]
    for p in AGENDA["Dagsordenpunkter"]:
        for other in p["Bilag"]:
            site.routes[f"/Vis/Pdf/bilag/{other['Id']}"] = (200, {"Content-Type": "application/pdf"}, b"%PDF-")
    pdf = attachment_pdf("Statusrapportering om byudviklingsprojekter")
    site.routes[f"/Vis/Pdf/bilag/{bilag['Id']}"] = (200, {"Content-Type": "application/pdf"}, pdf)
    out, err, status = harvest(site, "--committee", "Økonomiudvalget", "--since", "2026-05-01", "--with-attachments")
    assert status == 0, err
    row = Attachment.objects.get(item__meeting__date="2026-05-18", item__number=28)
    assert row.title == bilag["Navn"] and row.file
    assert "byudviklingsprojekter" in row.text
    wanted = sum(len(p["Bilag"]) for p in AGENDA["Dagsordenpunkter"] if p["IsOpen"])
    assert f"attachments {wanted}" in out


def test_no_arguments_runs_every_enabled_source(site):
    site.routes = site_routes()
    harvest(site)  # creates the (disabled) source
    site.seen.clear()
    out = io.StringIO()
    call_command("harvest", "--delay", "0", stdout=out)
    assert "No enabled harvest sources" in out.getvalue() and site.seen == []
    HarvestSource.objects.update(enabled=True)
    out = io.StringIO()
    call_command("harvest", "--delay", "0", stdout=out)
    assert f"{MUNICIPALITY} ({site.url}): committees 2; meetings new 0, updated 0, unchanged 3" in out.getvalue()


def test_command_line_errors(site):
    with pytest.raises(CommandError, match="needs --municipality"):
        call_command("harvest", "--firstagenda", site.url)
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("harvest", "--firstagenda", site.url, "--municipality", MUNICIPALITY, "--since", "18-05-2026")
    assert site.seen == []


def test_client_size_limit_and_no_retry_on_4xx(site):
    site.routes = {"/big": (200, {}, b"x" * 5000), "/gone": (410, {}, b"")}
    with PoliteClient(delay=0, timeout=1, retries=3) as client:
        with pytest.raises(HarvestError, match="over the limit of 1000"):
            client.get_bytes(site.url + "/big", max_bytes=1000)
        with pytest.raises(HarvestError, match="HTTP 410"):
            client.get_bytes(site.url + "/gone")
    assert site.paths() == ["/big", "/gone"]


def test_client_waits_the_delay_between_requests(site):
    site.routes = {"/a": (200, {}, b"a")}
    with PoliteClient(delay=0.5, timeout=1) as client:
        client.get_bytes(site.url + "/a")
        client.get_bytes(site.url + "/a")
    first, second = (when for _path, when, _headers in site.seen)
    assert second - first >= 0.45


def test_retry_after_as_seconds_or_http_date():
    import datetime as dt

    now = dt.datetime(2026, 5, 18, 12, 0, 0, tzinfo=dt.UTC)
    assert retry_after_seconds("7") == 7
    assert retry_after_seconds("Mon, 18 May 2026 12:00:30 GMT", now=now) == 30
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_editors_see_the_sources_last_run_and_result(site, client):
    site.routes = site_routes()
    harvest(site)
    editor = User.objects.create_user("redaktor", password="pw", is_staff=True)
    editor.groups.add(Group.objects.get(name="Redaktør"))
    client.force_login(editor)
    html = client.get("/admin/decisions/harvestsource/").content.decode()
    assert site.url in html and "committees 2; meetings new 3, updated 0, unchanged 0, failed 0" in html
    source = HarvestSource.objects.get()
    page = client.get(f"/admin/decisions/harvestsource/{source.pk}/change/")
    assert page.status_code == 200 and 'name="base_url"' not in page.content.decode()  # view only
    assert client.get("/admin/decisions/harvestsource/add/").status_code == 403
    assert client.get("/admin/decisions/harvestedmeeting/").status_code == 200
