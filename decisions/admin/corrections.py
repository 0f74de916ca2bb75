"""Corrections made in the admin to a meeting since its last upload: what replacing it overwrites.

A replace (services.ingest_meeting) keeps the meeting row but deletes its items, votes, bloc
votes, attachments and absences and writes them again from the new file. An editor's
correction of those rows is recorded only in the admin log, as one of:

- a change of the Meeting itself: its own fields, and the items and absences edited in its
  inlines (Django logs a change with inlines on the object of the page);
- a change of one of the meeting's items (with its vote and bloc-vote inlines), votes, bloc
  votes or absences, each logged by its own admin on its own object. These rows were written
  by the meeting's last ingest, so every entry on them is since then. A vote, bloc vote or
  absence deleted on its own admin page is also logged on its item or meeting (see
  meetings.ParentLoggedDeletion), since the deleted row no longer tells whose it was.

Not counted: attachment files, which a replace keeps (the preview lists the ones it drops);
saves that changed nothing; the upload entries themselves.

Only uploads through the admin are logged (`manage.py ingest` has no user to log): for a
meeting never uploaded in the admin every change of the meeting in the log counts.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils.text import capfirst
from django.utils.translation import gettext, override

from decisions.models import AgendaItem, Attachment, BlocVote, Meeting, MeetingAbsence, Vote

# How upload.py's log entry of an upload starts (the source strings are the Danish text).
UPLOAD_LOG_PREFIX = "Referat uploadet af "


@dataclass(frozen=True)
class Correction:
    """One admin log entry that a replace would overwrite, ready to show."""

    user: str
    time: dt.datetime  # aware; templates show it in local time
    what: str  # the corrected row, "" when the entry is on the meeting itself
    message: str  # LogEntry.get_change_message(), in the active language


def corrections_since_upload(*, meeting: Meeting) -> list[Correction]:
    """The admin corrections of `meeting` and its rows since its last upload, most recent first."""
    types = ContentType.objects.get_for_models(Meeting, AgendaItem, Vote, BlocVote, MeetingAbsence)
    on_meeting = Q(content_type=types[Meeting], object_id=str(meeting.pk))
    uploads = LogEntry.objects.filter(on_meeting, change_message__startswith=UPLOAD_LOG_PREFIX)
    last_upload = uploads.order_by("-pk").values_list("pk", flat=True).first() or 0
    rows: dict[type, QuerySet] = {
        AgendaItem: AgendaItem.objects.filter(meeting=meeting),
        Vote: Vote.objects.filter(item__meeting=meeting),
        BlocVote: BlocVote.objects.filter(item__meeting=meeting),
        MeetingAbsence: MeetingAbsence.objects.filter(meeting=meeting),
    }
    # The meeting row outlives a replace: only its entries after the last upload count.
    query = on_meeting & Q(pk__gt=last_upload)
    for model, queryset in rows.items():
        # LogEntry.object_id is text: compare with the rows' primary keys as text, in the database.
        keys = queryset.annotate(key=Cast("pk", TextField())).values("key")
        query |= Q(content_type=types[model], object_id__in=keys)
    entries = LogEntry.objects.filter(query).select_related("user", "content_type").order_by("-action_time", "-pk")

    models = {ct.pk: model for model, ct in types.items()}
    item_numbers = {model: dict(rows[model].values_list("pk", "item__number")) for model in (Vote, BlocVote)}
    found = []
    for entry in entries:
        message = _without_attachment_files(entry.change_message)
        if message is None:
            continue
        model = models[entry.content_type_id]
        shown = LogEntry(change_message=message)  # unsaved: only to word the filtered message
        found.append(
            Correction(
                user=entry.user.get_username(),
                time=entry.action_time,
                what=_what(model, entry, meeting=meeting, item_numbers=item_numbers),
                message=shown.get_change_message(),
            )
        )
    return found


def _without_attachment_files(change_message: str) -> str | None:
    """The change message without the parts a replace keeps (attachment files); None when
    nothing that a replace overwrites is left (Django logs "[]" for a save without changes)."""
    if not change_message.startswith("["):
        return change_message or None
    try:
        parts = json.loads(change_message)
    except json.JSONDecodeError:
        return change_message
    with override(None):  # Django stores the inline's model name untranslated
        attachment = str(Attachment._meta.verbose_name)
    kept = [part for part in parts if not any(v.get("name") == attachment for v in part.values() if v)]
    return json.dumps(kept) if kept else None


def _what(model: type, entry: LogEntry, *, meeting: Meeting, item_numbers: dict[type, dict[int, int]]) -> str:
    """The corrected row in words: "Stemme “…” i punkt 7"; "" for the meeting itself, whose
    change message already names the items and absences changed on its page."""
    if model is Meeting:
        return ""
    name = capfirst(model._meta.verbose_name)
    shown = entry.object_repr.removeprefix(f"{meeting}: ")  # an item's repr starts with its meeting
    number = item_numbers.get(model, {}).get(int(entry.object_id))
    if number is not None:
        return gettext("%(name)s “%(object)s” i punkt %(number)d") % {"name": name, "object": shown, "number": number}
    return gettext("%(name)s “%(object)s”") % {"name": name, "object": shown}
