"""What the archive's admin classes share: the admin log and the look."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry


def log(request, obj, message: str, action_flag: int = CHANGE) -> None:
    """Record what an editor did in the admin log: user, object, message (Danish)."""
    LogEntry.objects.log_actions(
        user_id=request.user.pk,
        queryset=[obj],
        action_flag=action_flag,
        change_message=message,
        single_object=True,
    )


class ArchiveModelAdmin(admin.ModelAdmin):
    """The archive's admin look. Saves and deletes start a new archive generation (cached
    facets and person summaries) through decisions.signals, like every other write."""

    class Media:
        css = {"all": ["decisions/admin.css"]}
