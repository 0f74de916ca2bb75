"""Admin for `manage.py harvest`: the sites harvested (administrators add them; editors may
view them, with each one's last run and its result) and what was fetched of each meeting.

Editors ("Redaktør") see them without permissions of their own: whoever may view meetings may
view where they come from (as people.ReadOnlyOldSlugs does for old slugs)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from decisions.admin.common import ArchiveModelAdmin
from decisions.models import HarvestedMeeting, HarvestSource


@admin.register(HarvestSource)
class HarvestSourceAdmin(ArchiveModelAdmin):
    list_display = ["municipality", "kind", "base_url", "enabled", "last_run_at", "last_result_line"]
    list_filter = ["kind", "enabled"]
    search_fields = ["municipality__name", "base_url"]
    list_select_related = ["municipality"]
    readonly_fields = ["last_run_at", "last_result"]
    fields = ["municipality", "kind", "base_url", "enabled", "last_run_at", "last_result"]

    @admin.display(description=_("resultat af sidste hentning"))
    def last_result_line(self, obj):
        return obj.last_result.partition("\n")[0]

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or request.user.has_perm("decisions.view_meeting")


@admin.register(HarvestedMeeting)
class HarvestedMeetingAdmin(ArchiveModelAdmin):
    list_display = ["remote_id", "source", "released", "meeting", "fetched_at"]
    list_filter = ["source"]
    search_fields = ["remote_id"]
    list_select_related = ["source__municipality", "meeting__committee"]
    readonly_fields = ["source", "remote_id", "released", "meeting", "fetched_at"]
    fields = readonly_fields

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or request.user.has_perm("decisions.view_meeting")

    def has_add_permission(self, request):
        return False  # written by manage.py harvest, with the meeting

    def has_change_permission(self, request, obj=None):
        return False
