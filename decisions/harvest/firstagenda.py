"""Harvest a FirstAgenda Publication site (dagsordener-referater.<kommune>.dk).

`GET /api/agenda/udvalgsliste` lists committees per election period with their meetings; each
meeting that is new, or released again (`ReleasedDate`) since it was last fetched, is fetched
(`GET /api/agenda/dagsorden/{id}`), read by decisions.minutes.firstagenda and ingested through
the one write path, in one transaction together with the record of what was fetched
(HarvestedMeeting): an interrupted run leaves each meeting either done and recorded, or untouched.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from decisions.harvest.client import HarvestError, PoliteClient
from decisions.minutes import types as minutes
from decisions.minutes.types import MinutesError
from decisions.models import Attachment, HarvestedMeeting, HarvestSource
from decisions.services import (
    CREATED,
    KEPT_MINUTES,
    UNCHANGED,
    UPDATED,
    danish_slug,
    ingest_reading,
    set_attachment_file,
)

LISTING_PATH = "/api/agenda/udvalgsliste"
MEETING_PATH = "/api/agenda/dagsorden/{id}"
ATTACHMENT_PATH = "/Vis/Pdf/bilag/{id}"
CLOSED_MINUTES = "lukket referat"
SUPPLEMENT = "tillægsdagsorden"
# The summary's counts.
NEW, FAILED, SKIPPED = "new", "failed", "skipped"


@dataclass(frozen=True)
class ListedMeeting:
    """One meeting as the site's listing gives it."""

    remote_id: str
    committee: str
    date: dt.date
    released: str  # ReleasedDate as written ("" when none)
    name: str  # "Referat", "Dagsorden", "Tillægsdagsorden", "Lukket referat"

    @property
    def kind(self) -> str:
        return minutes.MINUTES if self.name.casefold().startswith("referat") else minutes.AGENDA


@dataclass
class HarvestReport:
    """What one run did with one source."""

    base_url: str
    committees: int = 0
    counts: Counter = field(default_factory=Counter)
    attachments: int = 0
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        c = self.counts
        text = (
            f"committees {self.committees}; meetings new {c[NEW]}, updated {c[UPDATED]}, "
            f"unchanged {c[UNCHANGED]}, failed {c[FAILED]}; attachments {self.attachments}"
        )
        if c[SKIPPED]:
            text += f"; skipped {c[SKIPPED]} (closed minutes, supplements)"
        if c[KEPT_MINUTES]:
            text += f"; agendas not loaded over minutes {c[KEPT_MINUTES]}"
        return text


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def list_meetings(data: object, url: str) -> tuple[int, list[ListedMeeting]]:
    """The committees (counted) and meetings of an udvalgsliste answer; HarvestError if it is not one."""
    if not isinstance(data, dict) or not isinstance(data.get("Udvalg"), dict):
        raise HarvestError(url, 'the answer is not a committee list (no "Udvalg" object)')
    committees: set[str] = set()
    found: list[ListedMeeting] = []
    for period in data["Udvalg"].values():
        if not isinstance(period, list):
            raise HarvestError(url, "the answer is not a committee list (a period is not a list)")
        for committee in period:
            if not isinstance(committee, dict) or not _text(committee.get("Navn")):
                raise HarvestError(url, "the answer is not a committee list (a committee without a name)")
            name = " ".join(committee["Navn"].split())
            committees.add(name)
            for meeting in committee.get("Moeder") or []:
                try:
                    remote_id = _text(meeting["Id"])
                    date = dt.datetime.fromisoformat(meeting["Dato"]).date()
                except (KeyError, TypeError, ValueError):
                    raise HarvestError(url, f"a meeting of {name} has no readable Id or Dato") from None
                if not remote_id:
                    raise HarvestError(url, f"a meeting of {name} has no Id")
                found.append(
                    ListedMeeting(remote_id, name, date, _text(meeting.get("ReleasedDate")), _text(meeting.get("Navn")))
                )
    return len(committees), found


def harvest_firstagenda(
    source: HarvestSource,
    client: PoliteClient,
    *,
    since: dt.date | None = None,
    committee: str | None = None,
    with_attachments: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
) -> HarvestReport:
    """Fetch what is new at one source and ingest it; one failed meeting does not stop the run."""
    base = source.base_url.rstrip("/")
    report = HarvestReport(base_url=base)
    listing_url = base + LISTING_PATH
    try:
        report.committees, listed = list_meetings(client.get_json(listing_url), listing_url)
    except HarvestError as exc:
        report.counts[FAILED] += 1
        report.failures.append(str(exc))
        return report
    if committee:
        wanted = " ".join(committee.split()).casefold()
        listed = [m for m in listed if m.committee.casefold() == wanted]
        report.committees = len({m.committee for m in listed})
    if since:
        listed = [m for m in listed if m.date >= since]
    # A supplement is fetched only when its meeting's agenda or minutes are not listed: it holds
    # the extra items alone, and would otherwise replace the whole agenda.
    main = {(m.committee, m.date) for m in listed if m.name.casefold() in ("dagsorden", "referat")}
    todo: list[ListedMeeting] = []
    for meeting in listed:
        name = meeting.name.casefold()
        if name == CLOSED_MINUTES or (name == SUPPLEMENT and (meeting.committee, meeting.date) in main):
            report.counts[SKIPPED] += 1
        else:
            todo.append(meeting)
    # Oldest first, and a meeting's agenda before its minutes: minutes replace the agenda.
    todo.sort(key=lambda m: (m.date, m.committee, m.kind == minutes.MINUTES))
    seen = dict(
        HarvestedMeeting.objects.filter(source=source, remote_id__in=[m.remote_id for m in todo]).values_list(
            "remote_id", "released"
        )
    )
    for number, meeting in enumerate(todo, 1):
        if progress is not None:
            progress(number, len(todo), f"{meeting.committee} {meeting.date}")
        if meeting.remote_id in seen and seen[meeting.remote_id] == meeting.released:
            report.counts[UNCHANGED] += 1
            continue
        url = base + MEETING_PATH.format(id=meeting.remote_id)
        try:
            status = _harvest_meeting(source, client, meeting, url, report, with_attachments=with_attachments)
        except HarvestError as exc:
            report.counts[FAILED] += 1
            report.failures.append(f"{url}: {exc.reason}" if exc.url == url else f"{url}: {exc}")
            continue
        except MinutesError as exc:
            report.counts[FAILED] += 1
            report.failures.append(f"{url}: {exc}")
            continue
        except Exception as exc:  # noqa: BLE001 - one broken meeting must not stop the run
            report.counts[FAILED] += 1
            report.failures.append(f"{url}: unexpected error: {exc.__class__.__name__}: {exc}")
            continue
        report.counts[status] += 1
    return report


def _harvest_meeting(
    source: HarvestSource,
    client: PoliteClient,
    listed: ListedMeeting,
    url: str,
    report: HarvestReport,
    *,
    with_attachments: bool,
) -> str:
    """Fetch, read and ingest one meeting (with its attachments' files), and record it, in one transaction."""
    from decisions.minutes import firstagenda  # written alongside: imported when first used

    data = client.get_bytes(url, max_bytes=settings.ARCHIVE_MAX_MINUTES_BYTES)
    reading = firstagenda.read_bytes(data, name=f"{listed.remote_id}.json", kind_hint=listed.name or None)
    files = _fetch_attachments(client, source.base_url.rstrip("/"), data) if with_attachments else []
    with transaction.atomic():
        result = ingest_reading(reading, municipality=source.municipality)
        if result.status in (CREATED, UPDATED):
            report.attachments += _store_attachments(result.meeting, files)
        HarvestedMeeting.objects.update_or_create(
            source=source,
            remote_id=listed.remote_id,
            defaults={"released": listed.released, "meeting": result.meeting, "fetched_at": timezone.now()},
        )
    report.warnings += [f"{url}: {w}" for w in result.warnings if result.status != UNCHANGED]
    return NEW if result.status == CREATED else result.status


def _fetch_attachments(client: PoliteClient, base: str, data: bytes) -> list[tuple[int, str, bytes]]:
    """(item number, attachment title, PDF) of the open items' attachments that have a PDF."""
    found = []
    for item in json.loads(data.decode("utf-8-sig")).get("Dagsordenpunkter") or []:
        if not item.get("IsOpen"):
            continue
        try:
            number = int(item.get("Punktnummer") or item.get("Number"))
        except (TypeError, ValueError):
            continue
        for bilag in item.get("Bilag") or []:
            if str(bilag.get("HarPdfVersion", "true")).lower() != "true" or not bilag.get("Id"):
                continue
            pdf = client.get_bytes(
                base + ATTACHMENT_PATH.format(id=bilag["Id"]), max_bytes=settings.ARCHIVE_MAX_ATTACHMENT_BYTES
            )
            found.append((number, " ".join(_text(bilag.get("Navn")).split()), pdf))
    return found


def _store_attachments(meeting, files: list[tuple[int, str, bytes]]) -> int:
    """Give the meeting's attachments (matched by item number and title) their files; how many."""
    stored = 0
    for number, title, pdf in files:
        row = (
            Attachment.objects.filter(item__meeting=meeting, item__number=number, title=title, file="")
            .order_by("position")
            .first()
        )
        if row is not None:
            # A short file name: the storage's names (max_length 100) hold the folder too.
            set_attachment_file(row, name=f"{danish_slug(title)[:60]}.pdf", data=pdf)
            stored += 1
    return stored
