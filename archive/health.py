"""Health checks for a load balancer or an orchestrator: cheap, never cached.

/healthz: the process answers (no database). /readyz: the database answers and has every
migration of this code applied; 503 with the reason otherwise (a deploy whose `migrate` has not
run yet, a database that is down)."""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger("archive.health")
# Once every migration is applied it stays so for this process (new migrations come with new
# code, which a restart brings): the migration files are then not read again on each check.
_migrated = False


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    global _migrated
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if not _migrated:
            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
            if pending:
                names = [f"{migration.app_label}.{migration.name}" for migration, _backwards in pending]
                return JsonResponse({"status": "migrations pending", "pending": names}, status=503)
            _migrated = True
    except DatabaseError as error:
        logger.warning("readyz: the database does not answer: %s", error)
        return JsonResponse({"status": "database unavailable"}, status=503)
    return JsonResponse({"status": "ok"})
