"""The admin's "Upload referater": preview what the archive reads, then confirm to write.

Every file goes through the same reader and write path as `manage.py ingest`
(services.read_minutes_file, then services.ingest_meeting with dry_run=True for the preview,
services.ingest_bytes at confirm); nothing here parses minutes or writes rows.

1. POST files: each file is read and parsed, and the write path is asked what it would do
   (dry run, rolled back). The page shows the meeting, its items, votes, absences and
   warnings, and for a meeting already in the archive what would change and which corrections
   made in the admin since its last upload the replace would overwrite. Files that can be
   used wait in MEDIA_ROOT/pending/<token>/ (never served), the token kept in the uploader's
   session with the files' SHA-256.
2. POST token (+ one "replace" box per existing meeting): each file is read again, checked
   against its SHA-256, parsed again and written; an existing meeting only when its box is
   ticked (checked under the meeting's row lock by ingest_meeting). Each write is recorded in
   the admin log with the user, the file's SHA-256 and, for a replace, how many admin
   corrections it overwrote.

Each request reads its files within one time budget (ARCHIVE_UPLOAD_SECONDS, well below the
server's worker timeout): a PDF gets what is left of it, and a file reached once it is spent
is refused unread, with its own message; the other files are kept.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.models import ADDITION, CHANGE
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import FileUploadHandler
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.formats import number_format
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from decisions import services
from decisions.admin import messages as reader_messages
from decisions.admin.common import log
from decisions.admin.corrections import Correction, corrections_since_upload
from decisions.minutes import MinutesError, pdf
from decisions.minutes import types as minutes
from decisions.models import Category, Meeting, Outcome, Position, Vote

logger = logging.getLogger(__name__)
SESSION_KEY = "pending_minutes_uploads"
SUFFIXES = (".pdf", ".txt")
# An upload previewed but never confirmed is forgotten (and its files removed) after this.
PENDING_MAX_AGE_S = 24 * 3600
# The preview lists this many of a replaced meeting's admin corrections, then "og N flere".
CORRECTIONS_SHOWN = 10
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")

ITEM_FIELD_LABELS = {
    "title": _("titel"),
    "category": _("kategori"),
    "case_number": _("sagsnummer"),
    "outcome": _("udfald"),
    "sections": _("tekst"),
    "votes": _("stemmer"),
    "bloc_votes": _("partiafstemninger"),
    "attachments": _("bilag"),
}
MEETING_FIELD_LABELS = {
    "start_time": _("mødetidspunkt"),
    "location": _("mødested"),
    "term": _("valgperiode"),
    "absences": _("fravær fra mødet"),
}


class MinutesUploadHandler(FileUploadHandler):
    """Keeps at most limit + 1 bytes of each uploaded file (enough to know it is too large)
    and counts the rest, so that a huge file never fills the server's disk or memory."""

    def __init__(self, request=None, *, limit: int):
        super().__init__(request)
        self.limit = limit
        self.sizes: list[int] = []  # the real size of each file, in upload order
        self.received = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        allowed = self.limit + 1 - self.received
        self.received += len(raw_data)
        return raw_data[:allowed] if allowed > 0 else None

    def file_complete(self, file_size):
        self.sizes.append(self.received)
        return None  # the next handler (memory or temporary file) makes the file object


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.txt,application/pdf,text/plain"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            if not data and self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class UploadForm(forms.Form):
    # Empty files pass the form so that the reader can say so in its own words, per file.
    files = MultipleFileField(label=_("Referater (.pdf eller .txt)"), allow_empty_file=True)


@dataclass
class VotePreview:
    name: str
    party: str
    role: str
    position: str  # Danish label
    subject: str


@dataclass
class ItemPreview:
    """One parsed item as the preview shows it (labels in Danish)."""

    number: int
    title: str
    toc_title: str
    category: str
    case_number: str
    outcome: str
    decision: str
    subject_outcomes: list[tuple[str, str]]
    votes: list[VotePreview]
    absent: list[VotePreview]  # item-level absence ("deltog ikke i behandlingen af dette punkt")
    bloc_votes: list[tuple[str, str, str, str]]  # label, parties, position, subject
    other_committees: list[tuple[str, str]]
    attachments: list[str]


def _item_preview(item: minutes.Item) -> ItemPreview:
    def vote(v: minutes.Vote) -> VotePreview:
        return VotePreview(v.name, v.party, v.role, Position(v.position).label, v.subject)

    return ItemPreview(
        number=item.number,
        title=item.title,
        toc_title=item.toc_title,
        category=Category(item.category).label if item.category else "",
        case_number=item.case.number if item.case else "",
        outcome=Outcome(item.outcome).label,
        decision=item.decision,
        subject_outcomes=[(subject, Outcome(outcome).label) for subject, outcome in item.subject_outcomes],
        votes=[vote(v) for v in item.votes if v.position != minutes.ABSENT],
        absent=[vote(v) for v in item.votes if v.position == minutes.ABSENT],
        bloc_votes=[(b.label, ", ".join(b.parties), Position(b.position).label, b.subject) for b in item.bloc_votes],
        other_committees=[(o.committee, o.sentence) for o in item.other_committees],
        attachments=list(item.attachments),
    )


@dataclass
class FilePreview:
    """What one uploaded file would become, or why it cannot be used."""

    index: int
    name: str
    size: int = 0
    sha256: str = ""
    error: reader_messages.Message | None = None
    parsed: minutes.Meeting | None = None
    items: list[ItemPreview] = field(default_factory=list)
    meeting_absences: list[str] = field(default_factory=list)
    votes: int = 0
    changes: services.ChangeSummary | None = None
    changed_items: list[tuple[int, str, str]] = field(default_factory=list)  # number, title, what changed
    changed_meeting: str = ""
    new_persons: list[str] = field(default_factory=list)
    warnings: list[reader_messages.Message] = field(default_factory=list)
    dropped_attachment_files: list[str] = field(default_factory=list)
    # Admin corrections of the meeting this file would replace (most recent first, at most
    # CORRECTIONS_SHOWN) and how many more there are.
    corrections: list[Correction] = field(default_factory=list)
    more_corrections: int = 0

    @property
    def writable(self) -> bool:
        return self.parsed is not None and not self.changes.same_file


def preview_file(name: str, data: bytes, index: int) -> FilePreview:
    """Read and parse one file and ask the write path what it would do, writing nothing."""
    preview = FilePreview(index=index, name=name, size=len(data), sha256=hashlib.sha256(data).hexdigest())
    try:
        _text, parsed, decode_warnings = services.read_minutes_file(data, name=name)
    except MinutesError as exc:
        preview.error = reader_messages.from_error(exc)
        return preview
    preview.parsed = parsed
    preview.items = [_item_preview(item) for item in parsed.items]
    preview.meeting_absences = sorted(
        {f"{a.name} ({a.party})" if a.party else a.name for a in parsed.absences}, key=str.casefold
    )
    preview.votes = sum(len(item.votes) for item in preview.items)
    preview.changes = services.meeting_changes(parsed, sha256=preview.sha256)
    if preview.changes.same_file:
        return preview
    preview.changed_items = [
        (change.number, change.title, ", ".join(str(ITEM_FIELD_LABELS[f]) for f in change.fields))
        for change in preview.changes.changed
    ]
    preview.changed_meeting = ", ".join(str(MEETING_FIELD_LABELS[f]) for f in preview.changes.meeting_fields)
    if preview.changes.replaces:
        corrections = corrections_since_upload(meeting=preview.changes.meeting)
        preview.corrections = corrections[:CORRECTIONS_SHOWN]
        preview.more_corrections = len(corrections) - len(preview.corrections)
    try:
        dry = services.ingest_meeting(parsed, source_name=name, source_text="", sha256=preview.sha256, dry_run=True)
    except MinutesError as exc:  # what only the database can tell: an item too long to index
        preview.error = reader_messages.from_error(exc)
        preview.parsed = None
        return preview
    preview.new_persons = dry.new_persons
    preview.dropped_attachment_files = dry.dropped_attachment_files
    preview.warnings = [
        *(reader_messages.from_warning(w) for w in decode_warnings),
        *(reader_messages.from_warning(w) for w in parsed.warnings),
        *(reader_messages.from_person_note(note) for note in dry.person_notes),
        *_similar_person_warnings(parsed, dry),
    ]
    return preview


def _similar_person_warnings(parsed: minutes.Meeting, dry: services.IngestResult) -> list[reader_messages.Message]:
    """A new person whose name resembles someone already in the archive may be a misspelling
    (the resolver has already said so of a name known with another party)."""
    printed = {f"{v.name} ({v.party})" if v.party else v.name: (v.name, v.party) for v in _named(parsed)}
    noted = {(n.name, n.party) for n in dry.person_notes if n.kind == services.POSSIBLE_DUPLICATE}
    found = []
    for label in dry.new_persons:
        name, party = printed.get(label, (label, ""))
        if (name, party) in noted:
            continue
        municipality = dry.meeting.committee.municipality if dry.meeting else None
        for person in services.similar_persons(name, party, municipality=municipality):
            found.append(
                reader_messages.Message(
                    _g("mulig dublet: den nye person %(new)s ligner %(known)s, som allerede er i arkivet")
                    % {"new": label, "known": person}
                )
            )
    return found


def _named(parsed: minutes.Meeting):
    for item in parsed.items:
        yield from item.votes
        yield from item.absences


def _pending_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "pending"


def _pending_dir(token: str) -> Path:
    if not _TOKEN.fullmatch(token):
        raise ValueError("bad token")
    return _pending_root() / token


def _remove_stale_pending() -> None:
    """Uploads previewed and never confirmed: their files go after PENDING_MAX_AGE_S."""
    root = _pending_root()
    if not root.is_dir():
        return
    cutoff = time.time() - PENDING_MAX_AGE_S
    for folder in root.iterdir():
        try:
            if folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except FileNotFoundError:
            continue


def megabytes(size: int, decimals: int = 1) -> str:
    """A size in MB (2**20 bytes, as the 20 MB default is counted), in Danish notation."""
    return number_format(round(size / 2**20, decimals), decimals)


def _refusal(upload, real_size: int) -> str:
    """Why an uploaded file is refused before it is read, or ""."""
    limit = settings.ARCHIVE_MAX_MINUTES_BYTES
    if not upload.name.lower().endswith(SUFFIXES):
        return _g("kun .pdf- og .txt-filer kan uploades")
    if real_size > limit:
        return _g("filen fylder %(size)s MB, over grænsen på %(limit)s MB") % {
            "size": megabytes(real_size),
            "limit": megabytes(limit, 0),
        }
    return ""


def _reads_as_pdf(upload) -> bool:
    """Whether the reader takes the file for a PDF (as odense.read_bytes does: name or content)."""
    if upload.name.lower().endswith(".pdf"):
        return True
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    return head == b"%PDF-"


def _no_time_left() -> bool:
    left = pdf.time_left()
    return left is not None and left <= 0


def _budget_spent() -> str:
    """Why a file is not read: the request's time for reading files is used up."""
    seconds = f"{settings.ARCHIVE_UPLOAD_SECONDS:g}".replace(".", ",")
    return _g(
        "tiden til at læse filerne i én upload (%(seconds)s sekunder) var brugt op, før filen blev læst; "
        "upload den igen for sig"
    ) % {"seconds": seconds}


@csrf_exempt
def upload_view(request):
    """The upload page. The CSRF check is made below, once the size-limiting upload handler is
    in place (it must be installed before the request body is read)."""
    if request.method == "POST":
        request.upload_handlers.insert(0, MinutesUploadHandler(request, limit=settings.ARCHIVE_MAX_MINUTES_BYTES))
    return _upload_view(request)


@csrf_protect
def _upload_view(request):
    if not request.user.has_perm("decisions.upload_minutes"):
        raise PermissionDenied
    context = {
        **admin.site.each_context(request),
        "title": _("Upload referater"),
        "opts": Meeting._meta,
        "max_mb": megabytes(settings.ARCHIVE_MAX_MINUTES_BYTES, 0),
    }
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request)
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if request.method != "POST" or not form.is_valid():
        context["form"] = form
        return TemplateResponse(request, "admin/decisions/meeting/upload.html", context)

    _remove_stale_pending()
    handler = next((h for h in request.upload_handlers if isinstance(h, MinutesUploadHandler)), None)
    token = secrets.token_urlsafe(24)
    folder = _pending_dir(token)
    files = form.cleaned_data["files"]
    previews: list[FilePreview | None] = [None] * len(files)  # in the upload's order
    stored = []
    # Text files are read first: they take no time to speak of, and a slow PDF must not leave
    # them unread. The upload's order is still the page's, and decides which of two files of
    # one meeting is the first.
    with pdf.time_budget(settings.ARCHIVE_UPLOAD_SECONDS):
        for index in sorted(range(len(files)), key=lambda i: _reads_as_pdf(files[i])):
            upload = files[index]
            name = Path(upload.name).name
            real_size = handler.sizes[index] if handler and index < len(handler.sizes) else upload.size
            refusal = _refusal(upload, real_size) or (_budget_spent() if _no_time_left() else "")
            if refusal:
                error = reader_messages.Message(refusal)
                previews[index] = FilePreview(index=index, name=name, size=real_size, error=error)
                continue
            data = upload.read()
            preview = previews[index] = preview_file(name, data, index)
            if preview.writable:
                folder.mkdir(parents=True, exist_ok=True)
                (folder / str(index)).write_bytes(data)
                # The meeting it would replace: its corrections are counted again at confirm.
                replaces = preview.changes.meeting.pk if preview.changes.replaces else None
                stored.append({"index": index, "name": name, "sha256": preview.sha256, "meeting": replaces})
    stored.sort(key=lambda entry: entry["index"])  # confirm writes them in the upload's order
    seen: dict[tuple[str, object], str] = {}
    for preview in previews:
        if preview.parsed is not None:
            key = (preview.parsed.committee, preview.parsed.date)
            if key in seen:
                preview.warnings.insert(
                    0,
                    reader_messages.Message(
                        _g("samme møde som %(other)s i denne upload: kun den første gemmes uden at erstatte")
                        % {"other": seen[key]}
                    ),
                )
            seen.setdefault(key, preview.name)
    if stored:
        pending = request.session.get(SESSION_KEY, {})
        # Forget this session's expired previews.
        pending = {t: p for t, p in pending.items() if p.get("created", 0) > time.time() - PENDING_MAX_AGE_S}
        pending[token] = {"user": request.user.pk, "created": time.time(), "files": stored}
        request.session[SESSION_KEY] = pending
    context.update(form=UploadForm(), previews=previews, token=token if stored else "")
    return TemplateResponse(request, "admin/decisions/meeting/upload.html", context)


def _confirm(request):
    token = request.POST.get("token", "")
    pending_all = request.session.get(SESSION_KEY, {})
    pending = pending_all.pop(token, None)
    request.session[SESSION_KEY] = pending_all
    if (
        not pending
        or not _TOKEN.fullmatch(token)
        or pending.get("user") != request.user.pk
        or pending.get("created", 0) < time.time() - PENDING_MAX_AGE_S
    ):
        messages.error(request, _g("Uploaden er udløbet eller allerede gemt; upload filerne igen."))
        return redirect("admin:decisions_meeting_upload")
    folder = _pending_dir(token)
    try:
        # The files are read again, within the same budget as at the preview.
        with pdf.time_budget(settings.ARCHIVE_UPLOAD_SECONDS):
            for entry in pending["files"]:
                if _no_time_left():
                    messages.error(
                        request,
                        _g("Intet gemt fra %(name)s: %(reason)s.") % {"name": entry["name"], "reason": _budget_spent()},
                    )
                    continue
                _confirm_file(request, folder / str(entry["index"]), entry)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return redirect("admin:decisions_meeting_changelist")


def _confirm_file(request, path: Path, entry: dict) -> None:
    """Write one previewed file (read again, checked, parsed again) through the write path."""
    name, sha256 = entry["name"], entry["sha256"]
    data = path.read_bytes() if path.is_file() else b""
    if hashlib.sha256(data).hexdigest() != sha256:
        messages.error(
            request, _g("Intet gemt fra %(name)s: filen er ændret siden forhåndsvisningen.") % {"name": name}
        )
        return
    replace = bool(request.POST.get(f"replace-{entry['index']}"))
    # Counted before the write, which takes the corrected rows (and the meeting's last upload) away.
    replaced = Meeting.objects.filter(pk=entry.get("meeting")).first() if replace else None
    overwritten = len(corrections_since_upload(meeting=replaced)) if replaced else 0
    try:
        result = services.ingest_bytes(data, name=name, replace=replace)
    except MinutesError as exc:  # read at preview; only a changed reader could land here
        messages.error(
            request,
            _g("Intet gemt fra %(name)s: %(reason)s") % {"name": name, "reason": reader_messages.from_error(exc)},
        )
        return
    except Exception:  # one file's failure (rolled back) must not stop the others
        logger.exception("upload of %s (SHA-256 %s) failed", name, sha256)
        messages.error(
            request, _g("Intet gemt fra %(name)s: en uventet fejl; den er skrevet i serverens log.") % {"name": name}
        )
        return
    if result.status == services.NOT_REPLACED:
        messages.warning(
            request,
            _g("Ikke erstattet: %(meeting)s findes allerede (%(name)s); sæt kryds i “Erstat” for at erstatte det.")
            % {"name": name, "meeting": result.meeting},
        )
        return
    if result.status == services.UNCHANGED:
        messages.info(request, _g("Uændret: %(meeting)s (%(name)s).") % {"name": name, "meeting": result.meeting})
        return
    created = result.status == services.CREATED
    named = Vote.objects.filter(item__meeting=result.meeting).exclude(position=Position.ABSENT).count()
    counts = ngettext("%(n)d punkt", "%(n)d punkter", result.items) % {"n": result.items} + ", "
    counts += ngettext("%(n)d navngiven stemme", "%(n)d navngivne stemmer", named) % {"n": named}
    message = _g("Referat uploadet af %(user)s: %(name)s (SHA-256 %(sha256)s); mødet %(what)s med %(counts)s") % {
        "user": request.user.get_username(),
        "name": name,
        "sha256": sha256,
        "what": _g("oprettet") if created else _g("erstattet"),
        "counts": counts,
    }
    values = {"name": name, "meeting": result.meeting, "counts": counts}
    if created:
        text = _g("Gemt: %(meeting)s fra %(name)s (%(counts)s).") % values
    else:
        # Replaced: the history says how many admin corrections went with the old content.
        lost = 0 if replaced is None or result.meeting.pk != replaced.pk else overwritten
        lost_text = ngettext("%(n)d rettelse overskrevet", "%(n)d rettelser overskrevet", lost) % {"n": lost}
        message += "; " + lost_text
        text = _g("Erstattet: %(meeting)s fra %(name)s (%(counts)s); %(lost)s.") % {**values, "lost": lost_text}
    log(request, result.meeting, message, ADDITION if created else CHANGE)
    messages.success(request, text)
