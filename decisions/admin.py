"""Django admin for clerks: browse and correct what the archive read, upload minutes, merge people."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import Count, OuterRef, Subquery
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from decisions import services
from decisions.admin_upload import upload_view
from decisions.models import (
    AgendaItem,
    Attachment,
    BlocVote,
    Case,
    Committee,
    Meeting,
    MeetingAbsence,
    Membership,
    Person,
    PersonAlias,
    Vote,
)

admin.site.site_header = _("Beslutningsarkivet – redaktion")
admin.site.site_title = _("Beslutningsarkivet")
admin.site.index_title = _("Referater, personer og rettelser")


def log_change(request, obj, message: str) -> None:
    """Record a correction in the admin log (user, object, message)."""
    LogEntry.objects.log_actions(
        user_id=request.user.pk,
        queryset=[obj],
        action_flag=CHANGE,
        change_message=message,
        single_object=True,
    )


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["committee", "person", "term", "role", "derived"]
    readonly_fields = ["derived"]
    autocomplete_fields = ["committee", "person"]


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "meeting_count"]
    search_fields = ["name"]
    readonly_fields = ["slug"]
    inlines = [MembershipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n=Count("meetings"))

    @admin.display(description=_("møder"), ordering="n")
    def meeting_count(self, obj):
        return obj.n


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    fields = ["number", "title", "category", "case_number", "outcome"]
    readonly_fields = ["number", "case_number"]
    show_change_link = True
    can_delete = False


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["date", "committee", "term", "location", "item_count", "source_name"]
    list_filter = ["committee", "term"]
    search_fields = ["committee__name", "location", "source_name"]
    date_hierarchy = "date"
    # Values read from the minutes must not drift from them: correct the minutes and re-upload.
    readonly_fields = [
        "committee",
        "date",
        "term",
        "source_name",
        "source_sha256",
        "original_file",
        "source_text",
        "created_at",
        "updated_at",
    ]
    fields = [
        "committee",
        "date",
        "start_time",
        "location",
        "term",
        "source_name",
        "source_sha256",
        "original_file",
        "created_at",
        "updated_at",
        "source_text",
    ]
    inlines = [AgendaItemInline]
    change_list_template = "admin/decisions/meeting/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("committee").annotate(n=Count("items"))

    @admin.display(description=_("punkter"), ordering="n")
    def item_count(self, obj):
        return obj.n

    def has_add_permission(self, request):
        return False  # meetings come from minutes: use "Upload referater"

    def get_urls(self):
        return [
            path("upload/", self.admin_site.admin_view(upload_view), name="decisions_meeting_upload"),
            *super().get_urls(),
        ]


class VoteInline(admin.TabularInline):
    model = Vote
    extra = 0
    fields = ["person", "party", "role", "position", "subject", "sentence", "line"]
    readonly_fields = ["sentence", "line"]
    autocomplete_fields = ["person"]


class BlocVoteInline(admin.TabularInline):
    model = BlocVote
    extra = 0
    fields = ["parties", "label", "position", "subject", "sentence", "line"]
    readonly_fields = ["sentence", "line"]


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ["position", "title", "file"]
    readonly_fields = ["position", "title"]
    can_delete = False


@admin.register(AgendaItem)
class AgendaItemAdmin(admin.ModelAdmin):
    list_display = ["title", "number", "meeting", "category", "case_number", "outcome"]
    list_filter = ["outcome", "category", "meeting__committee"]
    search_fields = ["title", "case_number"]
    list_select_related = ["meeting__committee"]
    readonly_fields = ["meeting", "number", "case", "case_number", "toc_title", "sections", "attachment_text"]
    fields = [
        "meeting",
        "number",
        "title",
        "toc_title",
        "category",
        "case",
        "case_number",
        "outcome",
        "subject_outcomes",
        "other_committees",
        "sections",
        "attachment_text",
    ]
    inlines = [VoteInline, BlocVoteInline, AttachmentInline]

    def has_add_permission(self, request):
        return False

    def save_formset(self, request, form, formset, change):
        # An attachment given a file gets its text extracted, through the service.
        if formset.model is Attachment:
            for inline_form in formset.forms:
                upload = inline_form.cleaned_data.get("file") if inline_form.has_changed() else None
                if upload and hasattr(upload, "read"):
                    attachment = inline_form.instance
                    services.attach_file(attachment, name=upload.name, data=upload.read())
                    log_change(request, attachment.item, f"Bilagsfil {upload.name} tilføjet til {attachment.title}")
            return
        super().save_formset(request, form, formset, change)


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["number", "kle", "facet", "serial", "year"]
    search_fields = ["number"]
    readonly_fields = ["number", "kle", "facet", "serial", "year"]

    def has_add_permission(self, request):
        return False


class PersonAliasInline(admin.TabularInline):
    model = PersonAlias
    extra = 0
    fields = ["name"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "party", "spellings", "vote_count"]
    list_filter = ["party"]
    search_fields = ["name", "aliases__name"]
    readonly_fields = ["slug"]
    fields = ["name", "slug", "party"]
    inlines = [PersonAliasInline, MembershipInline]
    actions = ["merge_selected"]

    def get_queryset(self, request):
        votes = Vote.objects.filter(person=OuterRef("pk")).values("person").annotate(n=Count("id")).values("n")
        return super().get_queryset(request).annotate(n=Subquery(votes)).prefetch_related("aliases")

    @admin.display(description=_("stavemåder"))
    def spellings(self, obj):
        return ", ".join(a.name for a in obj.aliases.all())

    @admin.display(description=_("stemmer"), ordering="n")
    def vote_count(self, obj):
        return obj.n or 0

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, Membership):
                instance.derived = False  # an editor's word is not overwritten by re-ingest
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()

    @admin.action(description=_("Slå de valgte personer sammen (den første beholdes)"), permissions=["change"])
    def merge_selected(self, request, queryset):
        persons = list(queryset.order_by("pk"))
        if len(persons) < 2:
            self.message_user(request, _("Vælg mindst to personer at slå sammen."), messages.WARNING)
            return
        keep, others = persons[0], persons[1:]
        for other in others:
            message = f"Sammenlagt med {other.name} ({other.party or '–'}, id {other.pk})"
            services.merge_persons(keep=keep, other=other)
            log_change(request, keep, message)
        self.message_user(
            request, _("%(n)d personer lagt sammen med %(name)s.") % {"n": len(others), "name": keep.name}
        )

    def get_urls(self):
        return [
            path("duplicates/", self.admin_site.admin_view(self.duplicates_view), name="decisions_person_duplicates"),
            *super().get_urls(),
        ]

    def duplicates_view(self, request):
        """Possible duplicates: same party and given name, similar surname (trigram similarity)."""
        pairs = []
        persons = list(Person.objects.exclude(party="").order_by("name"))
        by_key: dict[tuple[str, str], list[Person]] = {}
        for person in persons:
            given, _sep, surname = person.name.partition(" ")
            if surname:
                by_key.setdefault((person.party, given), []).append(person)
        for group in by_key.values():
            for i, a in enumerate(group):
                others = [b.pk for b in group[i + 1 :]]
                if not others:
                    continue
                surname = a.name.partition(" ")[2]
                similar = (
                    Person.objects.filter(pk__in=others)
                    .annotate(similarity=TrigramSimilarity("name", a.name))
                    .filter(similarity__gte=0.5)
                )
                pairs += [(a, b, round(b.similarity, 2)) for b in similar if b.name.partition(" ")[2] != surname]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Mulige dubletter"),
            "pairs": pairs,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/decisions/person/duplicates.html", context)


@admin.register(PersonAlias)
class PersonAliasAdmin(admin.ModelAdmin):
    list_display = ["name", "person"]
    search_fields = ["name", "person__name"]
    autocomplete_fields = ["person"]
    actions = ["split_off"]

    @admin.action(description=_("Udskil stavemåden som egen person (fortryd sammenlægning)"), permissions=["change"])
    def split_off(self, request, queryset):
        for alias in queryset.select_related("person"):
            old = alias.person
            try:
                new = services.split_alias(alias)
            except ValueError as exc:
                self.message_user(request, f"{alias.name}: {exc}", messages.WARNING)
                continue
            log_change(request, old, f"Stavemåden {alias.name} udskilt som ny person (id {new.pk})")
            self.message_user(request, format_html(_("{} er nu en person for sig."), alias.name))
        return redirect(reverse("admin:decisions_person_changelist"))


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ["person", "position", "subject", "party", "item"]
    list_filter = ["position", "party"]
    search_fields = ["person__name", "subject", "sentence"]
    list_select_related = ["person", "item__meeting__committee"]
    readonly_fields = ["item", "sentence", "line"]
    autocomplete_fields = ["person"]


@admin.register(BlocVote)
class BlocVoteAdmin(admin.ModelAdmin):
    list_display = ["item", "label", "parties", "position", "subject"]
    list_filter = ["position"]
    readonly_fields = ["item", "sentence", "line"]


@admin.register(MeetingAbsence)
class MeetingAbsenceAdmin(admin.ModelAdmin):
    list_display = ["person", "meeting", "role"]
    search_fields = ["person__name"]
    readonly_fields = ["meeting", "sentence", "line"]
    autocomplete_fields = ["person"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["person", "committee", "term", "role", "derived"]
    list_filter = ["committee", "term", "derived"]
    search_fields = ["person__name", "committee__name"]
    autocomplete_fields = ["person", "committee"]
    readonly_fields = ["derived"]

    def save_model(self, request, obj, form, change):
        obj.derived = False  # edited by a person: re-ingest leaves it alone
        super().save_model(request, obj, form, change)


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["title", "item", "position", "file"]
    search_fields = ["title", "item__title"]
    readonly_fields = ["item", "position", "title", "text"]
    fields = ["item", "position", "title", "file", "text"]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        upload = form.cleaned_data.get("file")
        if "file" in form.changed_data and upload and hasattr(upload, "read"):
            services.attach_file(obj, name=upload.name, data=upload.read())
            log_change(request, obj.item, f"Bilagsfil {upload.name} tilføjet til {obj.title}")
        else:
            super().save_model(request, obj, form, change)
