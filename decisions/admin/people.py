"""Admin for people: persons and their spellings, merging and splitting, possible duplicates,
committee membership per term.

Merging moves everything of one person onto another (services.merge_persons); it is undone by
splitting a spelling off again (services.split_alias), which takes the votes and absences
printed with that spelling. Both are recorded in the admin log. The merged person's old slug
redirects to the kept person's pages; the admin shows these old slugs read-only.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import ADDITION, DELETION
from django.core.exceptions import PermissionDenied
from django.core.validators import RegexValidator
from django.db.models import Count, OuterRef, Subquery
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from decisions import services
from decisions.admin.common import ArchiveModelAdmin, log
from decisions.models import MeetingAbsence, Membership, Person, PersonAlias, PersonSlugRedirect, Vote
from decisions.parties import PARTIES

PARTY_CHOICES = [
    ("", _("– intet parti angivet –")),
    *((letter, f"{letter} – {name}") for letter, name in PARTIES.items()),
]


class MembershipForm(forms.ModelForm):
    term = forms.CharField(
        label=_("Valgperiode"),
        max_length=9,
        validators=[RegexValidator(r"^\d{4}-\d{4}$", _("Skriv valgperioden som to årstal, fx 2018-2021."))],
    )

    class Meta:
        model = Membership
        fields = ["committee", "person", "term", "role"]


class EditedMembershipFormSet(BaseInlineFormSet):
    """A membership added or changed by an editor is no longer derived: re-ingest leaves it alone."""

    def save_new(self, form, commit=True):
        form.instance.derived = False
        return super().save_new(form, commit)

    def save_existing(self, form, obj, commit=True):
        obj.derived = False
        return super().save_existing(form, obj, commit)


class MembershipInline(admin.TabularInline):
    """Memberships on a committee's page (per person and term)."""

    model = Membership
    form = MembershipForm
    formset = EditedMembershipFormSet
    extra = 0
    fields = ["person", "term", "role", "derived"]
    readonly_fields = ["derived"]
    autocomplete_fields = ["person"]
    ordering = ["-term", "person__name"]


class PersonMembershipInline(MembershipInline):
    """Memberships on a person's page (per committee and term)."""

    fields = ["committee", "term", "role", "derived"]
    autocomplete_fields = ["committee"]
    ordering = ["-term", "committee__name"]


class PersonAliasInline(admin.TabularInline):
    model = PersonAlias
    extra = 0
    fields = ["name", "printed_rows", "split_link"]
    readonly_fields = ["printed_rows", "split_link"]

    @admin.display(description=_("stemmer og fravær trykt sådan"))
    def printed_rows(self, obj):
        if not obj.pk:
            return ""
        votes = Vote.objects.filter(person_id=obj.person_id, printed_name=obj.name).count()
        absences = MeetingAbsence.objects.filter(person_id=obj.person_id, printed_name=obj.name).count()
        return (
            ngettext("%(n)d stemme", "%(n)d stemmer", votes) % {"n": votes}
            + ", "
            + ngettext("%(n)d fravær fra møde", "%(n)d fravær fra møder", absences) % {"n": absences}
        )

    @admin.display(description=_("fortryd sammenlægning"))
    def split_link(self, obj):
        if not obj.pk or PersonAlias.objects.filter(person_id=obj.person_id).count() < 2:
            return ""
        url = reverse("admin:decisions_person_split", args=[obj.person_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, _g("Udskil som egen person"))


class ReadOnlyOldSlugs:
    """Old slugs are written only by the services (merge_persons records them, a new person
    with the same slug drops one), so the admin shows them and never edits them. They are part
    of a person: whoever may view persons sees them, without a permission of their own."""

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("decisions.view_person")

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PersonSlugRedirectInline(ReadOnlyOldSlugs, admin.TabularInline):
    """The slugs of persons merged into this one: their old URLs redirect here."""

    model = PersonSlugRedirect
    extra = 0
    fields = ["old_slug"]
    readonly_fields = ["old_slug"]


class PersonForm(forms.ModelForm):
    party = forms.ChoiceField(label=_("Parti"), choices=PARTY_CHOICES, required=False)

    class Meta:
        model = Person
        fields = ["municipality", "name", "party"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "municipality" in self.fields:
            # Left empty, a new person belongs to the archive's default municipality.
            self.fields["municipality"].required = False
            self.fields["municipality"].help_text = _("Tom: arkivets standardkommune.")
        printed = self.instance.party if self.instance else ""
        if printed and printed not in PARTIES:  # a letter the minutes printed that is not a known party
            self.fields["party"].choices = [*PARTY_CHOICES, (printed, printed)]


@admin.register(Person)
class PersonAdmin(ArchiveModelAdmin):
    form = PersonForm
    list_display = ["name", "party", "municipality", "spellings", "vote_count"]
    list_filter = ["municipality", "party"]
    search_fields = ["name", "aliases__name"]
    fields = ["municipality", "name", "slug", "party"]
    readonly_fields = ["slug"]

    def get_readonly_fields(self, request, obj=None):
        # A person's municipality is part of who they are (the identity rule); it is set once.
        return [*self.readonly_fields, "municipality"] if obj else self.readonly_fields

    inlines = [PersonAliasInline, PersonMembershipInline, PersonSlugRedirectInline]
    actions = ["merge_selected"]
    change_list_template = "admin/decisions/person/change_list.html"
    view_on_site = True

    def get_queryset(self, request):
        votes = Vote.objects.filter(person=OuterRef("pk")).values("person").annotate(n=Count("id")).values("n")
        return super().get_queryset(request).annotate(n=Subquery(votes)).prefetch_related("aliases")

    @admin.display(description=_("stavemåder"))
    def spellings(self, obj):
        return ", ".join(a.name for a in obj.aliases.all())

    @admin.display(description=_("stemmer"), ordering="n")
    def vote_count(self, obj):
        return obj.n or 0

    def get_view_on_site_url(self, obj=None):
        return reverse("decisions:person-detail", args=[obj.municipality.slug, obj.slug]) if obj else None

    def get_inlines(self, request, obj):
        # A new person has no old slugs (and the add form would then need their empty formset).
        return self.inlines if obj else [i for i in self.inlines if i is not PersonSlugRedirectInline]

    def save_model(self, request, obj, form, change):
        if not change:
            if obj.municipality_id is None:
                obj.municipality = services.default_municipality()
            obj.slug = services.claim_person_slug(obj.name, municipality=obj.municipality)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        person = form.instance
        if not person.aliases.exists():
            PersonAlias.objects.create(person=person, name=person.name)  # the name is its first spelling

    @admin.action(description=_("Slå de valgte personer sammen …"), permissions=["change", "delete"])
    def merge_selected(self, request, queryset):
        ids = list(queryset.order_by("pk").values_list("pk", flat=True))
        if len(ids) < 2:
            self.message_user(request, _g("Vælg mindst to personer at slå sammen."), messages.WARNING)
            return None
        url = reverse("admin:decisions_person_merge") + "?" + urlencode({"ids": ",".join(map(str, ids))})
        return HttpResponseRedirect(url)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("duplicates/", view(self.duplicates_view), name="decisions_person_duplicates"),
            path("merge/", view(self.merge_view), name="decisions_person_merge"),
            path("<int:person_id>/split/<int:alias_id>/", view(self.split_view), name="decisions_person_split"),
            *super().get_urls(),
        ]

    def _context(self, request, title: str) -> dict:
        return {**self.admin_site.each_context(request), "title": title, "opts": self.model._meta}

    def duplicates_view(self, request):
        """Possible duplicates: same party and given name, similar surname (pg_trgm)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        pairs = services.possible_duplicate_persons()
        merge = reverse("admin:decisions_person_merge")
        rows = [(pair, f"{merge}?{urlencode({'ids': f'{pair.first.pk},{pair.second.pk}'})}") for pair in pairs]
        context = {**self._context(request, _g("Mulige dubletter")), "rows": rows}
        return TemplateResponse(request, "admin/decisions/person/duplicates.html", context)

    def merge_view(self, request):
        """Choose who to keep, see what moves, confirm."""
        if not (self.has_change_permission(request) and self.has_delete_permission(request)):
            raise PermissionDenied
        raw = request.POST.get("ids") or request.GET.get("ids", "")
        try:
            ids = sorted({int(part) for part in raw.split(",") if part.strip()})
        except ValueError:
            raise Http404 from None
        persons = list(
            Person.objects.filter(pk__in=ids)
            .annotate(
                votes_n=Subquery(
                    Vote.objects.filter(person=OuterRef("pk")).values("person").annotate(n=Count("id")).values("n")
                ),
                absences_n=Subquery(
                    MeetingAbsence.objects.filter(person=OuterRef("pk"))
                    .values("person")
                    .annotate(n=Count("id"))
                    .values("n")
                ),
            )
            .prefetch_related("aliases", "memberships__committee")
            .order_by("pk")
        )
        if len(persons) < 2 or len(persons) != len(ids):
            self.message_user(request, _g("Vælg mindst to personer at slå sammen."), messages.WARNING)
            return redirect("admin:decisions_person_changelist")
        if request.method == "POST":
            keep = next((p for p in persons if str(p.pk) == request.POST.get("keep")), None)
            if keep is None:
                self.message_user(request, _g("Vælg hvem der skal beholdes."), messages.ERROR)
            else:
                for other in persons:
                    if other.pk != keep.pk:
                        self._merge(request, keep, other)
                self.message_user(
                    request,
                    _g("%(n)d personer lagt sammen med %(name)s. Det kan fortrydes ved at udskille en stavemåde igen.")
                    % {"n": len(persons) - 1, "name": keep.name},
                    messages.SUCCESS,
                )
                return redirect("admin:decisions_person_change", keep.pk)
        context = {
            **self._context(request, _g("Slå personer sammen")),
            "persons": persons,
            "ids": raw,
            "different_parties": len({p.party for p in persons if p.party}) > 1,
        }
        return TemplateResponse(request, "admin/decisions/person/merge.html", context)

    def _merge(self, request, keep: Person, other: Person) -> None:
        description = f"{other} (id {other.pk}, {other.slug})"
        log(request, other, _g("Slået sammen med %(keep)s (id %(pk)d)") % {"keep": keep, "pk": keep.pk}, DELETION)
        result = services.merge_persons(keep=keep, other=other)
        log(
            request,
            keep,
            _g(
                "Sammenlagt med %(other)s: %(votes)d stemmer, %(absences)d fravær, %(memberships)d "
                "medlemskaber og %(aliases)d stavemåder flyttet; %(dropped)d dobbelte rækker fjernet"
            )
            % {
                "other": description,
                "votes": result.votes,
                "absences": result.absences,
                "memberships": result.memberships,
                "aliases": result.aliases,
                "dropped": result.dropped_votes + result.dropped_absences,
            },
        )

    def split_view(self, request, person_id: int, alias_id: int):
        """Undo a merge: one spelling, with the votes and absences printed with it, becomes a person."""
        if not (self.has_change_permission(request) and self.has_add_permission(request)):
            raise PermissionDenied
        alias = get_object_or_404(PersonAlias.objects.select_related("person"), pk=alias_id, person_id=person_id)
        if request.method == "POST":
            try:
                new = split_alias(request, alias)
            except ValueError:
                self.message_user(request, _g("Personen har kun denne stavemåde."), messages.ERROR)
                return redirect("admin:decisions_person_change", person_id)
            self.message_user(request, _g("%(name)s er nu en person for sig.") % {"name": new.name}, messages.SUCCESS)
            return redirect("admin:decisions_person_change", new.pk)
        context = {
            **self._context(request, _g("Udskil en stavemåde som egen person")),
            "preview": services.split_preview(alias),
            "person": alias.person,
        }
        return TemplateResponse(request, "admin/decisions/person/split.html", context)


def split_alias(request, alias: PersonAlias) -> Person:
    """Split through the service and record it in the admin log (both persons)."""
    old = alias.person
    new = services.split_alias(alias)
    moved = Vote.objects.filter(person=new).count(), MeetingAbsence.objects.filter(person=new).count()
    log(
        request,
        old,
        _g("Stavemåden %(alias)s udskilt som ny person %(new)s (id %(pk)d): %(votes)d stemmer, %(absences)d fravær")
        % {"alias": alias.name, "new": new, "pk": new.pk, "votes": moved[0], "absences": moved[1]},
    )
    log(
        request,
        new,
        _g("Oprettet ved at udskille stavemåden %(alias)s fra %(old)s (id %(pk)d)")
        % {"alias": alias.name, "old": old, "pk": old.pk},
        ADDITION,
    )
    return new


@admin.register(PersonAlias)
class PersonAliasAdmin(ArchiveModelAdmin):
    list_display = ["name", "person"]
    search_fields = ["name", "person__name"]
    list_select_related = ["person"]
    autocomplete_fields = ["person"]
    actions = ["split_off"]

    @admin.action(description=_("Udskil stavemåden som egen person (fortryd sammenlægning)"), permissions=["change"])
    def split_off(self, request, queryset):
        if not request.user.has_perm("decisions.add_person"):
            raise PermissionDenied
        for alias in queryset.select_related("person"):
            try:
                new = split_alias(request, alias)
            except ValueError:
                self.message_user(
                    request, _g("%(name)s: personen har kun denne stavemåde.") % {"name": alias.name}, messages.WARNING
                )
                continue
            self.message_user(request, _g("%(name)s er nu en person for sig.") % {"name": new.name})
        return redirect("admin:decisions_person_changelist")


@admin.register(PersonSlugRedirect)
class PersonSlugRedirectAdmin(ReadOnlyOldSlugs, ArchiveModelAdmin):
    list_display = ["old_slug", "person"]
    search_fields = ["old_slug", "person__name"]
    list_select_related = ["person"]


@admin.register(Membership)
class MembershipAdmin(ArchiveModelAdmin):
    form = MembershipForm
    list_display = ["person", "committee", "term", "role", "derived"]
    list_filter = ["committee", "term", "derived"]
    search_fields = ["person__name", "committee__name", "role"]
    list_select_related = ["person", "committee"]
    autocomplete_fields = ["person", "committee"]
    readonly_fields = ["derived"]

    def save_model(self, request, obj, form, change):
        obj.derived = False  # set by an editor: re-ingest leaves it alone
        super().save_model(request, obj, form, change)
