"""What the archive's admin classes share: the admin log and keeping cached search facets fresh."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.db import transaction

from decisions.search import bump_archive_generation


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
    """An admin whose saves change what the public site shows: cached search facets are
    computed per archive generation, so every save starts a new one (after commit)."""

    class Media:
        css = {"all": ["decisions/admin.css"]}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        transaction.on_commit(bump_archive_generation)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        transaction.on_commit(bump_archive_generation)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        transaction.on_commit(bump_archive_generation)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        transaction.on_commit(bump_archive_generation)
