"""Reads of the public site from PostgreSQL streaming replicas (DATABASE_REPLICA_URLS).

Only requests that decisions.middleware.read_replicas lets through (anonymous GET and HEAD
outside the admin) read the archive's rows from a replica; every write, the admin, anyone with
a session (an editor reads their own writes) and everything outside a request (ingest,
harvest, send_alerts) use the primary, "default". The cache, sessions, users and login
attempts are never read from a replica: the cache must be written where it is read, and a
replica's copy of it lags.

A request keeps the replica it chose at its first read, so that all its reads (the archive
generation its cached values are keyed by, and the rows) come from one database at one point
of the WAL. A replica that cannot be reached is skipped for RETRY_SECONDS with a warning in
the log (logger "archive.replicas"), and its requests read from the primary meanwhile.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, Error, connections

logger = logging.getLogger("archive.replicas")

# The apps whose rows a replica serves; the rest (cache, sessions, auth, axes) stays on the primary.
REPLICATED_APPS = frozenset({"decisions"})
# How long a replica that could not be reached is left alone before it is tried again
# (settings.ARCHIVE_REPLICA_RETRY_SECONDS overrides it).
RETRY_SECONDS = 30.0

# Per process: until when (time.monotonic()) each unreachable replica is skipped.
_down_until: dict[str, float] = {}


class ReplicaReads:
    """One request's leave to read from a replica, and the database its reads go to, chosen at
    its first read and then kept."""

    def __init__(self) -> None:
        self.alias: str | None = None

    @contextmanager
    def active(self) -> Iterator[None]:
        token = _current.set(self)
        try:
            yield
        finally:
            _current.reset(token)

    def streamed(self, chunks: Iterable) -> Iterator:
        """A streamed response's chunks, each produced with this request's reads active: the
        body is read from the database after the middleware has returned."""
        iterator = iter(chunks)
        while True:
            with self.active():
                try:
                    chunk = next(iterator)
                except StopIteration:
                    return
            yield chunk


_current: ContextVar[ReplicaReads | None] = ContextVar("archive_replica_reads", default=None)


def replica_aliases() -> list[str]:
    return list(getattr(settings, "ARCHIVE_REPLICAS", ()))


def _retry_seconds() -> float:
    return float(getattr(settings, "ARCHIVE_REPLICA_RETRY_SECONDS", RETRY_SECONDS))


def _where(alias: str) -> str:
    """The replica's host and port, for the log (never its password)."""
    config = connections[alias].settings_dict
    return f"{config.get('HOST') or 'local socket'}:{config.get('PORT') or 5432}"


def _reachable(alias: str) -> bool:
    """Whether the replica answers: a kept connection is checked with one round trip, a new one
    is opened (within its connect_timeout). Once per request that chooses it, not per query."""
    conn = connections[alias]
    try:
        if conn.connection is not None and not conn.is_usable():
            conn.close()
        conn.ensure_connection()
        # Django's own health check of this request would make the same round trip again.
        conn.health_check_done = True
    except Error as error:
        conn.close()
        seconds = _retry_seconds()
        _down_until[alias] = time.monotonic() + seconds
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        logger.warning(
            "Replica %s (%s) is unreachable; reading from the primary for %g s: %s",
            alias,
            _where(alias),
            seconds,
            reason,
        )
        return False
    if _down_until.pop(alias, None) is not None:
        logger.warning("Replica %s (%s) is reachable again", alias, _where(alias))
    return True


def _choose() -> str:
    """A reachable replica, at random among those not marked down; else the primary."""
    now = time.monotonic()
    candidates = [alias for alias in replica_aliases() if _down_until.get(alias, 0.0) <= now]
    random.shuffle(candidates)
    for alias in candidates:
        if _reachable(alias):
            return alias
    return DEFAULT_DB_ALIAS


class ReplicaRouter:
    def db_for_read(self, model, **hints) -> str:
        reads = _current.get()
        if reads is None or model._meta.app_label not in REPLICATED_APPS:
            return DEFAULT_DB_ALIAS
        if reads.alias is None:
            reads.alias = _choose() if replica_aliases() else DEFAULT_DB_ALIAS
        return reads.alias

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # The replicas hold the primary's rows: an object from either may refer to one from the other.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        # A replica is read-only and follows the primary's schema through the WAL.
        return db == DEFAULT_DB_ALIAS
