"""Reads that span relations, in one place; views call these and render."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from decisions.models import Meeting


def latest_meetings(*, limit: int = 20) -> QuerySet[Meeting]:
    """Most recent meetings with their committee and item count."""
    return Meeting.objects.select_related("committee").annotate(item_count=Count("items")).order_by("-date")[:limit]
