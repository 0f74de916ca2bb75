"""Admin for what the minutes say: committees, meetings, items, votes, absences, attachments, cases.

What the archive read from the minutes and must not drift from them is read-only here (the
source file, its text and SHA-256, the sections as printed, each vote's source sentence and
line): correct the minutes and upload them again. What an editor may correct (a title, an
outcome, a category, a case number, who a vote belongs to, a position) is editable.
"""

from __future__ import annotations

import hashlib
import json

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, override
from django.utils.translation import gettext_lazy as _

from decisions import services
from decisions.admin import upload
from decisions.admin.common import ArchiveModelAdmin, log
from decisions.admin.messages import danish_reason
from decisions.admin.people import MembershipInline
from decisions.admin.upload import megabytes
from decisions.minutes import normalize_case_number, parse_case_number, pdf
from decisions.models import (
    AgendaItem,
    Attachment,
    BlocVote,
    Case,
    Committee,
    Meeting,
    MeetingAbsence,
    MeetingMember,
    Municipality,
    Outcome,
    Vote,
)
from decisions.parties import validate_party_letter


def max_attachment_bytes() -> int:
    return settings.ARCHIVE_MAX_ATTACHMENT_BYTES


def _meeting_url(meeting: Meeting) -> str:
    return reverse(
        "decisions:meeting-detail", args=[meeting.committee.municipality.slug, meeting.committee.slug, meeting.date]
    )


def _delete_files_after_commit(names: list[str]) -> None:
    storage = Meeting._meta.get_field("original_file").storage
    names = [name for name in names if name]
    if names:
        transaction.on_commit(lambda: [storage.delete(name) for name in names])


@admin.register(Committee)
class CommitteeAdmin(ArchiveModelAdmin):
    list_display = ["name", "municipality", "slug", "meeting_count"]
    list_filter = ["municipality"]
    search_fields = ["name", "slug"]
    # The name is how minutes find their committee: renaming it would split the archive.
    readonly_fields = ["name", "slug"]
    inlines = [MembershipInline]
    view_on_site = True

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n=Count("meetings"))

    @admin.display(description=_("møder"), ordering="n")
    def meeting_count(self, obj):
        return obj.n

    def get_view_on_site_url(self, obj=None):
        return reverse("decisions:committee-detail", args=[obj.municipality.slug, obj.slug]) if obj else None

    def has_add_permission(self, request):
        return False  # committees come from the minutes


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    fields = ["number", "title", "category", "case_number", "outcome"]
    readonly_fields = ["number", "case_number"]
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # items come from the minutes


class MeetingAbsenceInline(admin.TabularInline):
    model = MeetingAbsence
    extra = 0
    fields = ["person", "party", "role", "reason", "line", "sentence"]
    readonly_fields = ["sentence", "line"]
    autocomplete_fields = ["person"]
    verbose_name_plural = _("fraværende fra hele mødet")

    def get_formset(self, request, obj=None, **kwargs):
        kwargs.setdefault("widgets", {"party": _NARROW["party"], "role": _NARROW["role"]})
        return super().get_formset(request, obj, **kwargs)


class MeetingMemberInline(admin.TabularInline):
    """The member list as the export printed it: read here, corrected by loading the export again."""

    model = MeetingMember
    extra = 0
    fields = ["position", "person", "printed_name", "party", "role", "status"]
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = _("mødets deltagerliste")

    def has_add_permission(self, request, obj=None):
        return False


class HasOriginalFilter(admin.SimpleListFilter):
    title = _("originalt referat")
    parameter_name = "original"

    def lookups(self, request, model_admin):
        return [("pdf", _("PDF")), ("txt", _("tekst")), ("none", _("intet"))]

    def queryset(self, request, queryset):
        if self.value() == "pdf":
            return queryset.filter(original_file__iendswith=".pdf")
        if self.value() == "txt":
            return queryset.exclude(original_file="").exclude(original_file__iendswith=".pdf")
        if self.value() == "none":
            return queryset.filter(original_file="")
        return queryset


@admin.register(Meeting)
class MeetingAdmin(ArchiveModelAdmin):
    list_display = ["date", "committee", "kind", "term", "item_count", "original", "updated_at"]
    list_filter = ["committee__municipality", "kind", "committee", "term", HasOriginalFilter]
    search_fields = ["committee__name", "location", "source_name", "source_sha256"]
    date_hierarchy = "date"
    list_select_related = ["committee"]
    # Values read from the minutes must not drift from them: correct the minutes and re-upload.
    readonly_fields = [
        "committee",
        "date",
        "term",
        "kind",
        "source_format",
        "source_name",
        "source_sha256",
        "original",
        "source_text",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["committee", "date", "start_time", "location", "term", "kind"]}),
        (
            _("Kilde"),
            {"fields": ["source_format", "source_name", "source_sha256", "original", "created_at", "updated_at"]},
        ),
        (_("Referatets tekst som indlæst"), {"fields": ["source_text"], "classes": ["collapse"]}),
    ]
    inlines = [AgendaItemInline, MeetingMemberInline, MeetingAbsenceInline]
    change_list_template = "admin/decisions/meeting/change_list.html"
    view_on_site = True

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n=Count("items"))

    @admin.display(description=_("punkter"), ordering="n")
    def item_count(self, obj):
        return obj.n

    @admin.display(description=_("originalt referat"))
    def original(self, obj):
        if not obj.original_file:
            return "–"
        return format_html('<a href="{}">{}</a>', obj.original_file.url, obj.original_file.name.rsplit("/", 1)[-1])

    def get_view_on_site_url(self, obj=None):
        return _meeting_url(obj) if obj else None

    def has_add_permission(self, request):
        return False  # meetings come from minutes: "Upload referater"

    def delete_model(self, request, obj):
        files = [obj.original_file.name, *Attachment.objects.filter(item__meeting=obj).values_list("file", flat=True)]
        super().delete_model(request, obj)
        _delete_files_after_commit(files)

    def delete_queryset(self, request, queryset):
        files = [
            *queryset.values_list("original_file", flat=True),
            *Attachment.objects.filter(item__meeting__in=queryset).values_list("file", flat=True),
        ]
        super().delete_queryset(request, queryset)
        _delete_files_after_commit(files)

    def get_urls(self):
        return [
            path("upload/", self.admin_site.admin_view(upload.upload_view), name="decisions_meeting_upload"),
            *super().get_urls(),
        ]


_NARROW = {
    "party": forms.TextInput(attrs={"size": 2}),
    "role": forms.TextInput(attrs={"size": 12}),
    "subject": forms.TextInput(attrs={"size": 18}),
    "label": forms.TextInput(attrs={"size": 10}),
    "parties": forms.TextInput(attrs={"size": 10}),
}


class VoteInlineForm(forms.ModelForm):
    class Meta:
        model = Vote
        fields = ["person", "position", "subject", "party", "role"]
        widgets = _NARROW


class VoteInline(admin.TabularInline):
    model = Vote
    form = VoteInlineForm
    extra = 0
    fields = ["person", "position", "subject", "party", "role", "line", "sentence"]
    readonly_fields = ["sentence", "line"]
    autocomplete_fields = ["person"]


class BlocVoteForm(forms.ModelForm):
    """A bloc vote's letters checked one by one here (finding 7): the model's check of each
    element reaches the form only as "Element 2 i array'et blev ikke valideret:", not saying why."""

    class Meta:
        model = BlocVote
        fields = ["parties", "label", "position", "subject"]

    def clean_parties(self):
        parties = self.cleaned_data["parties"]
        for letter in parties:
            validate_party_letter(letter)
        return parties


class BlocVoteInlineForm(BlocVoteForm):
    class Meta(BlocVoteForm.Meta):
        widgets = _NARROW


class BlocVoteInline(admin.TabularInline):
    model = BlocVote
    form = BlocVoteInlineForm
    extra = 0
    fields = ["parties", "label", "position", "subject", "line", "sentence"]
    readonly_fields = ["sentence", "line"]


class AttachmentFileForm(forms.ModelForm):
    class Meta:
        model = Attachment
        fields = ["file"]

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        limit = max_attachment_bytes()
        if upload and hasattr(upload, "size") and upload.size > limit:
            raise forms.ValidationError(
                _("Filen fylder %(size)s MB; grænsen for bilag er %(limit)s MB."),
                params={"size": megabytes(upload.size), "limit": megabytes(limit, 0)},
            )
        return upload


class AttachmentInline(admin.TabularInline):
    model = Attachment
    form = AttachmentFileForm
    extra = 0
    fields = ["position", "title", "file", "text_found"]
    readonly_fields = ["position", "title", "text_found"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # the attachments are the ones the minutes list

    @admin.display(description=_("udtrukket tekst"))
    def text_found(self, obj):
        return _text_found(obj)


def _text_found(obj: Attachment) -> str:
    if not obj.file:
        return "–"
    if obj.text:
        return gettext("%(n)d tegn") % {"n": len(obj.text)}
    if obj.text_note:
        return gettext("ingen tekst (%(reason)s)") % {"reason": danish_reason(obj.text_note)}
    return gettext("ingen tekst")


def save_attachment_file(request, attachment: Attachment, upload) -> None:
    """Give (or, with upload False, take away) an attachment's file through the service; tell the
    editor what text was found and record it in the admin log."""
    if upload is False or upload is None:
        stored = Attachment.objects.filter(pk=attachment.pk).values_list("file", flat=True).first() or ""
        name = stored.rsplit("/", 1)[-1]
        services.set_attachment_file(attachment, name=None, data=None)
        log(request, attachment, gettext("Bilagsfil %(name)s fjernet") % {"name": name})
        return
    data = upload.read()
    # A PDF's text is read within the request's time budget for files (the formset's, when it
    # saves several): one that runs out of time is stored without text, and the editor told.
    with pdf.time_budget(settings.ARCHIVE_UPLOAD_SECONDS):
        result = services.set_attachment_file(attachment, name=upload.name, data=data)
    sha256 = hashlib.sha256(data).hexdigest()
    log(
        request,
        attachment,
        gettext("Bilagsfil %(name)s (SHA-256 %(sha256)s) tilføjet til %(title)s; %(n)d tegn tekst udtrukket")
        % {"name": upload.name, "sha256": sha256, "title": attachment.title, "n": result.text_chars},
    )
    if result.note:
        messages.warning(
            request,
            gettext("%(title)s: filen er gemt, men der kunne ikke udtrækkes tekst til søgningen (%(reason)s).")
            % {"title": attachment.title, "reason": danish_reason(result.note)},
        )


class AgendaItemForm(forms.ModelForm):
    case_number = forms.CharField(
        label=_("Sagsnummer"),
        required=False,
        max_length=40,
        help_text=_(
            "Som kommunen skriver det, fx 15.00.00-G01-193-17, 12/27845 eller 2012-28504. Tomt: intet sagsnummer."
        ),
    )

    class Meta:
        model = AgendaItem
        fields = ["title", "category", "outcome", "subject_outcomes"]

    def clean_case_number(self):
        raw = self.cleaned_data["case_number"].strip()
        if raw and parse_case_number(raw) is None:
            raise forms.ValidationError(
                _(
                    "Et sagsnummer begynder med et ciffer og består af cifre og store bogstaver adskilt af "
                    ". / eller -, fx 15.00.00-G01-193-17 eller 12/27845."
                )
            )
        return normalize_case_number(raw) if raw else ""

    def clean_subject_outcomes(self):
        value = self.cleaned_data["subject_outcomes"] or {}
        if not isinstance(value, dict) or not all(isinstance(k, str) and v in Outcome.values for k, v in value.items()):
            raise forms.ValidationError(
                _('Skriv {"emne": "udfald"}, fx {"ændringsforslaget": "rejected"}; udfald er et af: %(values)s.'),
                params={"values": ", ".join(Outcome.values)},
            )
        return value


@admin.register(AgendaItem)
class AgendaItemAdmin(ArchiveModelAdmin):
    form = AgendaItemForm
    list_display = ["number", "title", "meeting", "category", "case_number", "outcome"]
    list_display_links = ["number", "title"]
    list_filter = ["outcome", "category", "meeting__committee"]
    search_fields = ["title", "case_number"]
    list_select_related = ["meeting__committee"]
    readonly_fields = ["meeting", "number", "toc_title", "sections_as_printed", "other_committees", "attachment_text"]
    fieldsets = [
        (None, {"fields": ["meeting", "number", "title", "toc_title", "category", "case_number"]}),
        (_("Beslutning"), {"fields": ["outcome", "subject_outcomes", "other_committees"]}),
        (_("Afsnit som trykt"), {"fields": ["sections_as_printed"], "classes": ["collapse"]}),
        (_("Tekst fra bilagsfiler (søges med laveste vægt)"), {"fields": ["attachment_text"], "classes": ["collapse"]}),
    ]
    inlines = [VoteInline, BlocVoteInline, AttachmentInline]
    view_on_site = True

    @admin.display(description=_("afsnit"))
    def sections_as_printed(self, obj):
        return format_html_join(
            "",
            '<div class="section"><h4>{}</h4><p>{}</p></div>',
            ((s["heading"] or gettext("(uden overskrift)"), s["text"]) for s in obj.sections),
        )

    def get_view_on_site_url(self, obj=None):
        if obj is None:
            return None
        meeting = obj.meeting
        return reverse(
            "decisions:item-detail",
            args=[meeting.committee.municipality.slug, meeting.committee.slug, meeting.date, obj.number],
        )

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "case_number" in form.changed_data:
            services.set_item_case(obj, form.cleaned_data["case_number"])

    def save_formset(self, request, form, formset, change):
        if formset.model is Attachment:
            # An attachment given a file gets its text extracted, through the service; the files
            # of one save share one time budget.
            formset.new_objects, formset.deleted_objects, formset.changed_objects = [], [], []
            with pdf.time_budget(settings.ARCHIVE_UPLOAD_SECONDS):
                for inline_form in formset.forms:
                    if "file" in inline_form.changed_data:
                        save_attachment_file(request, inline_form.instance, inline_form.cleaned_data.get("file"))
                        formset.changed_objects.append((inline_form.instance, ["file"]))
            return
        if formset.model is Vote:
            for inline_form in formset.forms:
                vote = inline_form.instance
                if vote.pk is None and not vote.printed_name and getattr(vote, "person", None):
                    vote.printed_name = vote.person.name  # a vote added by an editor
        super().save_formset(request, form, formset, change)


@admin.register(Case)
class CaseAdmin(ArchiveModelAdmin):
    list_display = ["number", "municipality", "kle", "facet", "serial", "year", "item_count"]
    search_fields = ["number"]
    list_filter = ["municipality", "facet", "year"]
    readonly_fields = ["municipality", "number", "kle", "facet", "serial", "year"]
    view_on_site = True

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n=Count("items"))

    @admin.display(description=_("punkter"), ordering="n")
    def item_count(self, obj):
        return obj.n

    def get_view_on_site_url(self, obj=None):
        return reverse("decisions:case-detail", args=[obj.municipality.slug, obj.number]) if obj else None

    def has_add_permission(self, request):
        return False  # cases come from the items' case numbers


class ParentLoggedDeletion:
    """A row deleted on its own admin page is also logged on its item or meeting, as the same
    deletion in the inline there would be: the deleted row's own log entry no longer tells whose
    it was, and corrections.corrections_since_upload looks for it on the item or meeting."""

    parent_field = ""

    def log_deletions(self, request, queryset):
        entries = super().log_deletions(request, queryset)
        with override(None):  # stored untranslated, like Django's own change messages
            name = str(self.model._meta.verbose_name)
        for obj in queryset:
            log(request, getattr(obj, self.parent_field), json.dumps([{"deleted": {"name": name, "object": str(obj)}}]))
        return entries


@admin.register(Vote)
class VoteAdmin(ParentLoggedDeletion, ArchiveModelAdmin):
    parent_field = "item"
    list_display = ["person", "printed_name", "position", "subject", "party", "item", "line"]
    list_filter = ["position", "party", "item__meeting__committee"]
    search_fields = ["person__name", "printed_name", "subject", "sentence"]
    list_select_related = ["person", "item__meeting__committee"]
    readonly_fields = ["item", "printed_name", "sentence", "line"]
    fields = ["item", "person", "printed_name", "party", "role", "position", "subject", "sentence", "line"]
    autocomplete_fields = ["person"]

    def has_add_permission(self, request):
        return False  # add a vote on its item's page


@admin.register(BlocVote)
class BlocVoteAdmin(ParentLoggedDeletion, ArchiveModelAdmin):
    form = BlocVoteForm
    parent_field = "item"
    list_display = ["item", "label", "parties", "position", "subject"]
    list_filter = ["position", "label"]
    search_fields = ["sentence", "subject"]
    list_select_related = ["item__meeting__committee"]
    readonly_fields = ["item", "sentence", "line"]
    fields = ["item", "parties", "label", "position", "subject", "sentence", "line"]

    def has_add_permission(self, request):
        return False  # add a bloc vote on its item's page


@admin.register(MeetingAbsence)
class MeetingAbsenceAdmin(ParentLoggedDeletion, ArchiveModelAdmin):
    parent_field = "meeting"
    list_display = ["person", "printed_name", "meeting", "party", "role"]
    list_filter = ["meeting__committee"]
    search_fields = ["person__name", "printed_name"]
    list_select_related = ["person", "meeting__committee"]
    readonly_fields = ["meeting", "printed_name", "sentence", "line"]
    fields = ["meeting", "person", "printed_name", "party", "role", "sentence", "line"]
    autocomplete_fields = ["person"]

    def has_add_permission(self, request):
        return False  # add an absence on its meeting's page


class HasFileFilter(admin.SimpleListFilter):
    title = _("fil")
    parameter_name = "file"

    def lookups(self, request, model_admin):
        return [("yes", _("med fil")), ("no", _("uden fil"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(file="")
        if self.value() == "no":
            return queryset.filter(file="")
        return queryset


@admin.register(Municipality)
class MunicipalityAdmin(ArchiveModelAdmin):
    """Municipalities come from ingest (--municipality or the export); editors may set the code."""

    list_display = ["name", "slug", "code", "committee_count"]
    search_fields = ["name"]
    readonly_fields = ["name", "slug"]
    fields = ["name", "slug", "code"]
    view_on_site = True

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n=Count("committees"))

    @admin.display(description=_("udvalg"), ordering="n")
    def committee_count(self, obj):
        return obj.n

    def get_view_on_site_url(self, obj=None):
        return reverse("decisions:municipality-detail", args=[obj.slug]) if obj else None

    def has_add_permission(self, request):
        return False  # municipalities come with their minutes

    def has_delete_permission(self, request, obj=None):
        return False  # its committees hold it (PROTECT); deleting is a database matter


@admin.register(MeetingMember)
class MeetingMemberAdmin(ArchiveModelAdmin):
    list_display = ["person", "printed_name", "meeting", "status", "role"]
    list_filter = ["status", "meeting__committee__municipality"]
    search_fields = ["person__name", "printed_name"]
    list_select_related = ["person", "meeting__committee"]
    readonly_fields = ["meeting", "person", "printed_name", "party", "role", "status", "position"]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the member list is the export's: load the export again to change it


@admin.register(Attachment)
class AttachmentAdmin(ArchiveModelAdmin):
    form = AttachmentFileForm
    list_display = ["title", "item", "position", "file", "text_found"]
    list_filter = [HasFileFilter]
    search_fields = ["title", "item__title"]
    list_select_related = ["item__meeting__committee"]
    readonly_fields = ["item", "position", "title", "text_found", "text_note", "text"]
    fields = ["item", "position", "title", "file", "text_found", "text_note", "text"]

    @admin.display(description=_("udtrukket tekst"))
    def text_found(self, obj):
        return _text_found(obj)

    def has_add_permission(self, request):
        return False  # the attachments are the ones the minutes list

    def save_model(self, request, obj, form, change):
        if "file" in form.changed_data:
            save_attachment_file(request, obj, form.cleaned_data.get("file"))
        # Nothing else on the form is editable.
