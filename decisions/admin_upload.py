"""The admin's "Upload referater": preview what the archive reads, then confirm to write.

Every file goes through the same reader and write path as `manage.py ingest`
(services.read_minutes_file, services.ingest_meeting); nothing here parses or writes rows.
"""

from __future__ import annotations

import hashlib
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from decisions import services
from decisions.minutes import MinutesError
from decisions.minutes import types as minutes
from decisions.models import Meeting

SESSION_KEY = "pending_minutes_uploads"
SUFFIXES = (".pdf", ".txt")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.txt"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class UploadForm(forms.Form):
    # Empty files pass the form so that the reader can say so in its own words, per file.
    files = MultipleFileField(label=_("Referater (.pdf eller .txt)"), allow_empty_file=True)


@dataclass
class FilePreview:
    """What one uploaded file would become, or why it cannot be used."""

    name: str
    sha256: str = ""
    error: str = ""
    parsed: minutes.Meeting | None = None
    changes: services.ChangeSummary | None = None
    new_persons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    index: int = 0


def _pending_dir(token: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "pending" / token


def _read(upload) -> tuple[bytes | None, str]:
    """The bytes of an uploaded file, or a reason to refuse it before reading."""
    limit = settings.ARCHIVE_MAX_MINUTES_BYTES
    if not upload.name.lower().endswith(SUFFIXES):
        return None, _g("kun .pdf- og .txt-filer kan uploades")
    if upload.size > limit:
        return None, _g("filen er %(size).1f MB; grænsen er %(limit).0f MB") % {
            "size": upload.size / 1e6,
            "limit": limit / 1e6,
        }
    return upload.read(), ""


def preview_file(name: str, data: bytes, index: int) -> FilePreview:
    """Parse one file and ask the write path what it would do, writing nothing."""
    preview = FilePreview(name=name, sha256=hashlib.sha256(data).hexdigest(), index=index)
    try:
        _text, parsed, decode_warnings = services.read_minutes_file(data, name=name)
    except MinutesError as exc:
        preview.error = str(exc)
        return preview
    preview.parsed = parsed
    preview.changes = services.meeting_changes(parsed, sha256=preview.sha256)
    if not preview.changes.same_file:
        dry = services.ingest_meeting(parsed, source_name=name, source_text="", sha256=preview.sha256, dry_run=True)
        preview.new_persons = dry.new_persons
        preview.warnings = [str(w) for w in decode_warnings] + dry.warnings
    return preview


def upload_view(request):
    """Step 1 (POST files): preview. Step 2 (POST confirm + token): write what was previewed."""
    if not request.user.has_perm("decisions.upload_minutes"):
        raise PermissionDenied
    context = {
        **admin.site.each_context(request),
        "title": _("Upload referater"),
        "opts": Meeting._meta,
        "max_mb": settings.ARCHIVE_MAX_MINUTES_BYTES / 1e6,
    }
    if request.method == "POST" and request.POST.get("token"):
        return _confirm(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        token = secrets.token_urlsafe(16)
        folder = _pending_dir(token)
        folder.mkdir(parents=True, exist_ok=True)
        previews, stored = [], []
        for index, upload in enumerate(form.cleaned_data["files"]):
            name = Path(upload.name).name
            data, refusal = _read(upload)
            if data is None:
                previews.append(FilePreview(name=name, error=refusal, index=index))
                continue
            preview = preview_file(name, data, index)
            previews.append(preview)
            if preview.parsed and not preview.changes.same_file:
                (folder / f"{index}").write_bytes(data)
                stored.append({"index": index, "name": name, "sha256": preview.sha256})
        request.session.setdefault(SESSION_KEY, {})[token] = {"user": request.user.pk, "files": stored}
        request.session.modified = True
        context.update(form=UploadForm(), previews=previews, token=token if stored else "")
        return TemplateResponse(request, "admin/decisions/meeting/upload.html", context)
    context["form"] = form
    return TemplateResponse(request, "admin/decisions/meeting/upload.html", context)


def _confirm(request):
    token = request.POST["token"]
    pending = request.session.get(SESSION_KEY, {}).pop(token, None)
    request.session.modified = True
    folder = _pending_dir(token) if token.replace("-", "").replace("_", "").isalnum() else None
    if not pending or pending["user"] != request.user.pk or folder is None:
        messages.error(request, _("Uploaden er udløbet eller tilhører en anden bruger; upload filerne igen."))
        return redirect("admin:decisions_meeting_upload")
    try:
        for entry in pending["files"]:
            path = folder / str(entry["index"])
            data = path.read_bytes() if path.exists() else b""
            if hashlib.sha256(data).hexdigest() != entry["sha256"]:
                messages.error(request, _g("%(name)s: filen er ændret siden forhåndsvisningen") % entry)
                continue
            _text, parsed, _warnings = services.read_minutes_file(data, name=entry["name"])
            changes = services.meeting_changes(parsed, sha256=entry["sha256"])
            if changes.replaces and not request.POST.get(f"replace-{entry['index']}"):
                messages.warning(
                    request,
                    _g("%(name)s: mødet findes allerede og blev ikke erstattet (sæt kryds for at erstatte)") % entry,
                )
                continue
            result = services.ingest_bytes(data, name=entry["name"])
            LogEntry.objects.log_actions(
                user_id=request.user.pk,
                queryset=[result.meeting],
                action_flag=ADDITION if result.status == services.CREATED else CHANGE,
                change_message=f"Referat uploadet: {entry['name']} (SHA-256 {entry['sha256']}), "
                f"{result.status}, {result.items} punkter, {result.votes} stemmer",
                single_object=True,
            )
            messages.success(
                request,
                _g("%(name)s: %(meeting)s gemt (%(items)d punkter, %(votes)d stemmer)")
                % {"name": entry["name"], "meeting": result.meeting, "items": result.items, "votes": result.votes},
            )
    except MinutesError as exc:  # the file was read at preview; only a changed parser could land here
        messages.error(request, str(exc))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return redirect("admin:decisions_meeting_changelist")
