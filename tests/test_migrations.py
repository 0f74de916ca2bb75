"""Migration 0011 on an archive loaded before municipalities: everything it holds becomes the
default municipality's, with its official code, and the constraints hold."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("decisions", "0010_person_slug_redirect")]
AFTER = [("decisions", "0011_municipalities")]


@pytest.mark.django_db(transaction=True)
def test_an_odense_archive_becomes_odense_kommunes():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    committee = old.get_model("decisions", "Committee").objects.create(
        name="Beskæftigelses- og Socialudvalget", slug="beskaeftigelses-og-socialudvalget"
    )
    old.get_model("decisions", "Case").objects.create(
        number="15.00.00-G01-193-17", kle="15.00.00", facet="G01", serial=193, year="17"
    )
    person = old.get_model("decisions", "Person").objects.create(name="Reza Javid", slug="reza-javid", party="Ø")
    old.get_model("decisions", "PersonSlugRedirect").objects.create(old_slug="reza-javi", person=person)
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps
        Municipality = new.get_model("decisions", "Municipality")
        assert list(Municipality.objects.values_list("name", "slug", "code")) == [
            ("Odense Kommune", "odense-kommune", 461)
        ]
        odense = Municipality.objects.get()
        assert new.get_model("decisions", "Committee").objects.get(pk=committee.pk).municipality_id == odense.pk
        for model in ("Case", "Person", "PersonSlugRedirect"):
            assert set(new.get_model("decisions", model).objects.values_list("municipality_id", flat=True)) == {
                odense.pk
            }
    finally:
        MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
