"""Any change to the archive's rows starts a new archive generation (cached facets and
person summaries are keyed by it). The cache is a table in the same database, so the bump
is part of the same transaction: a rolled-back change leaves the generation as it was."""

from django.db.models.signals import post_delete, post_save


def _bump(sender, **kwargs) -> None:
    from decisions.search import bump_archive_generation

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
