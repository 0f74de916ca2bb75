"""Party letters (security review finding 7): one definition that every reader's letters pass,
checked by the models and the database, and pages that never fail on a stored value."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.template.loader import render_to_string

from decisions import parties
from decisions.minutes import decisions as vote_grammar
from decisions.minutes.common import name_and_party
from decisions.models import BlocVote, MeetingAbsence, MeetingMember, Person, Vote
from decisions.records import RecordRow
from decisions.templatetags.journalism import record_rows
from tests.conftest import ODENSE

# Every character up to the end of Latin Extended-A: the readers' letters are among them.
CHARACTERS = [chr(n) for n in range(0x250)]


def test_the_letters_are_the_ones_the_readers_read():
    readers = re.compile(vote_grammar._LETTER)
    in_code_point_order = sorted(parties.PARTY_LETTERS)  # Å Æ Ø
    assert [c for c in CHARACTERS if readers.fullmatch(c)] == in_code_point_order
    assert [c for c in CHARACTERS if parties.is_party_letter(c)] == in_code_point_order
    assert [name_and_party(f"Reza Javid ({c})")[1] for c in parties.PARTY_LETTERS] == list(parties.PARTY_LETTERS)
    assert set(parties.PARTIES) <= set(parties.PARTY_LETTERS)
    assert set(vote_grammar.PARTY_NAMES.values()) <= set(parties.PARTY_LETTERS)
    for letter in parties.PARTY_LETTERS:
        parties.validate_party_letter(letter)


@pytest.mark.parametrize("value", ["/", "?", "ø", "a", "AB", " ", ""])
def test_anything_else_is_refused_in_danish(value):
    with pytest.raises(ValidationError) as refused:
        parties.validate_party_letter(value)
    assert refused.value.messages == [
        f"»{value}« er ikke et partibogstav: skriv ét stort bogstav, A–Z, Æ, Ø eller Å, fx V eller Ø."
    ]


@pytest.mark.django_db
def test_the_database_refuses_a_party_that_is_no_letter(ingested):
    reza = Person.objects.get(slug="reza-javid")
    vote = Vote.objects.filter(person=reza).first()
    absence = MeetingAbsence.objects.get()
    member = MeetingMember.objects.create(
        meeting=vote.item.meeting, person=reza, printed_name="Reza Javid", party="Ø", status="present", position=1
    )
    bloc = BlocVote.objects.create(item=vote.item, parties=["A", "Ø"], position="for", sentence="A og Ø stemmer for.")
    rows = [
        (Person, reza.pk, "party", "/"),
        (Vote, vote.pk, "party", "/"),
        (MeetingAbsence, absence.pk, "party", "/"),
        (MeetingMember, member.pk, "party", "ø"),
        (BlocVote, bloc.pk, "parties", ["A", "/"]),
        (BlocVote, bloc.pk, "parties", ["A", ""]),
    ]
    for model, pk, field, value in rows:
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.filter(pk=pk).update(**{field: value})
    # Blank is "not printed", and stays allowed where the field allows it.
    assert Vote.objects.filter(pk=vote.pk).update(party="") == 1
    assert BlocVote.objects.filter(pk=bloc.pk).update(parties=["Æ", "Å"]) == 1


def test_a_letter_that_is_no_party_is_text_not_a_link():
    assert render_to_string("includes/party.html", {"party": "/"}) == "/"
    assert render_to_string("includes/party.html", {"party": "<?>"}) == "&lt;?&gt;"
    assert render_to_string("includes/party.html", {"party": "Ø"}) == (
        '<a class="party" href="/parties/%C3%98/" title="Enhedslisten">Ø</a>'
    )


@pytest.mark.django_db
def test_a_record_row_with_a_stored_value_that_is_no_letter_is_rendered(client, ingested):
    # The 500 of finding 7: the row's party letter was always reversed into a link. The
    # database refuses "/" now, so the row is given an unsaved vote with it.
    reza = Person.objects.get(slug="reza-javid")
    vote = Vote.objects.filter(person=reza).select_related("item__meeting__committee").first()
    linked = record_rows([RecordRow(vote)], ODENSE)
    assert '(<a class="party" href="/parties/%C3%98/">Ø</a>)' in linked
    for stored, shown in [("/", " (/)</td>"), ("?", " (?)</td>"), ("Q", " (Q)</td>")]:
        vote.party = stored
        html = record_rows([RecordRow(vote)], ODENSE)
        assert shown in html and 'class="party"' not in html
    assert client.get("/odense-kommune/people/reza-javid/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_migration_repairs_letters_the_checks_would_refuse(ingested):
    before, after = [("decisions", "0012_archive_generation")], [("decisions", "0013_party_letters")]
    MigrationExecutor(connection).migrate(before)
    try:
        reza = Person.objects.get(slug="reza-javid")
        votes = list(Vote.objects.filter(person=reza).order_by("pk").values_list("pk", flat=True)[:2])
        item = Vote.objects.get(pk=votes[0]).item
        kept = BlocVote.objects.create(item=item, parties=["a", "/", "A", "F"], position="for", sentence="s")
        emptied = BlocVote.objects.create(item=item, parties=["/"], position="against", sentence="s")
        Person.objects.filter(pk=reza.pk).update(party="ø")
        Vote.objects.filter(pk=votes[0]).update(party="/")
        Vote.objects.filter(pk=votes[1]).update(party="v")
        MigrationExecutor(connection).migrate(after)
        assert Person.objects.get(pk=reza.pk).party == "Ø"
        assert [Vote.objects.get(pk=pk).party for pk in votes] == ["", "V"]
        assert BlocVote.objects.get(pk=kept.pk).parties == ["A", "F"]
        assert not BlocVote.objects.filter(pk=emptied.pk).exists()
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
