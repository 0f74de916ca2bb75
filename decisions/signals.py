"""Any change to the archive's rows starts a new archive generation (cached facets and
person summaries are keyed by it). The cache is a table in the same database, so the bump
is part of the same transaction: a rolled-back change leaves the generation as it was."""

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from django.db.models.signals import post_delete, post_save

_deferred = contextvars.ContextVar("archive_generation_deferred", default=False)


def _bump(sender, **kwargs) -> None:
    from decisions.search import bump_archive_generation

    if not _deferred.get():
        bump_archive_generation()


def bumps_deferred() -> bool:
    """Within one_generation_bump(): a bulk load, whose meetings are not alerted."""
    return _deferred.get()


@contextmanager
def one_generation_bump() -> Iterator[None]:
    """Within: no bump per write, one bump at the end. For bulk loads: parallel workers that
    each bump would queue on the generation's row in the cache table until each commits."""
    from decisions.search import bump_archive_generation

    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)
        bump_archive_generation()


def connect() -> None:
    from decisions import models

    for model in (
        models.Committee,
        models.Case,
        models.Person,
        models.PersonAlias,
        models.Membership,
        models.Meeting,
        models.MeetingAbsence,
        models.AgendaItem,
        models.Vote,
        models.BlocVote,
        models.Attachment,
    ):
        post_save.connect(_bump, sender=model, dispatch_uid=f"generation-save-{model.__name__}")
        post_delete.connect(_bump, sender=model, dispatch_uid=f"generation-delete-{model.__name__}")
