"""Admin for e-mail alerts. Editors ("Redaktør") see what is followed and how much, never by
whom: the subscriptions without their addresses, with counts by kind, schedule and state.
Superusers see the addresses too. Nobody adds or edits subscriptions here: only the owner of
an address does, through the links sent to it (decisions.views.alerts)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from decisions.admin.common import ArchiveModelAdmin
from decisions.alerts.targets import describe
from decisions.models import AlertAddress, AlertSubscription


class ConfirmedFilter(admin.SimpleListFilter):
    title = _("bekræftet")
    parameter_name = "confirmed"

    def lookups(self, request, model_admin):
        return [("yes", _("bekræftet")), ("no", _("venter på bekræftelse"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(confirmed_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(confirmed_at__isnull=True)
        return queryset


@admin.register(AlertSubscription)
class AlertSubscriptionAdmin(ArchiveModelAdmin):
    list_filter = ["kind", "schedule", ConfirmedFilter]
    show_facets = admin.ShowFacets.ALWAYS  # the counts by kind, schedule and state
    list_select_related = ["address", "case__municipality", "person__municipality", "committee__municipality"]
    date_hierarchy = "created_at"

    @admin.display(description=_("følger"))
    def followed(self, obj):
        return describe(obj)

    @admin.display(description=_("bekræftet"), boolean=True)
    def is_confirmed(self, obj):
        return obj.confirmed_at is not None

    def get_list_display(self, request):
        shown = ["followed", "kind", "schedule", "is_confirmed", "created_at", "last_sent_at"]
        return ["address", *shown] if request.user.is_superuser else shown

    def get_search_fields(self, request):
        return ["address__email", "search_query"] if request.user.is_superuser else ["search_query"]

    def get_fields(self, request, obj=None):
        shown = ["followed", "kind", "schedule", "created_at", "confirmed_at", "last_sent_at", "checked_at"]
        return ["address", *shown] if request.user.is_superuser else shown

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or request.user.has_perm("decisions.view_meeting")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(AlertAddress)
class AlertAddressAdmin(ArchiveModelAdmin):
    """Addresses: superusers only (has_module_permission and the view rule below)."""

    list_display = ["email", "created_at", "subscription_count"]
    search_fields = ["email"]
    readonly_fields = ["email", "created_at"]
    fields = readonly_fields

    @admin.display(description=_("abonnementer"), ordering="subscription_count")
    def subscription_count(self, obj):
        return obj.subscription_count

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(subscription_count=Count("subscriptions"))

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
