"""The admin for editors: every model in Danish, corrections, merging and splitting people, attachments."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict

from decisions import search
from decisions.models import AgendaItem, Attachment, Membership, Person, PersonAlias, Vote
from tests import pdfmaker

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client, ingested):
    user = User.objects.create_user("redaktor", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Redaktør"))
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("/admin/", "Beslutningsarkivet – redaktion"),
        ("/admin/decisions/meeting/", "Upload referater"),
        ("/admin/decisions/meeting/?date__year=2019", "Beskæftigelses- og Socialudvalget"),
        ("/admin/decisions/agendaitem/?q=15.00.00-G01-193-17", "Investeringsprojekter"),
        ("/admin/decisions/person/", "Mulige dubletter"),
        ("/admin/decisions/vote/?position__exact=against", "Reza Javid"),
        ("/admin/decisions/membership/", "2018-2021"),
        ("/admin/decisions/attachment/", "Business case - Flere samtaler"),
        ("/admin/decisions/case/", "00.30.00-S00-11-19"),
        ("/admin/decisions/committee/", "Beskæftigelses- og Socialudvalget"),
    ],
)
def test_admin_pages_in_danish_for_editors(client, editor, url, text):
    response = client.get(url)
    assert response.status_code == 200
    assert text in response.content.decode()


def test_item_change_page_has_inlines_and_readonly_source(client, editor):
    item = AgendaItem.objects.get(meeting__date=dt.date(2019, 3, 5), number=7)
    html = client.get(f"/admin/decisions/agendaitem/{item.pk}/change/").content.decode()
    assert "Reza Javid (Ø) stemmer imod indstillingen." in html  # the vote sentence, read-only
    assert 'name="votes-0-position"' in html
    assert 'name="sections"' not in html  # the sections as printed cannot be edited


def test_merge_and_split_round_trip(client, editor):
    tommy = Person.objects.get(name="Tommy Hummellose")
    votes_before = sorted(tommy.votes.values_list("item__number", "position"))
    # First undo the automatic link: split "Tommy Hummelose" off as a person of its own.
    alias = PersonAlias.objects.get(name="Tommy Hummelose")
    client.post("/admin/decisions/personalias/", {"action": "split_off", "_selected_action": [alias.pk]})
    split = Person.objects.get(aliases__name="Tommy Hummelose")
    assert split != tommy
    assert (split.name, split.party) == ("Tommy Hummelose", "C")
    assert list(split.votes.values_list("item__number", "subject")) == [(7, "indstillingen")]
    assert list(Person.objects.get(pk=tommy.pk).votes.values_list("item__number", "subject")) == [
        (1, "ændringsforslaget")
    ]
    # Then merge them again.
    client.post("/admin/decisions/person/", {"action": "merge_selected", "_selected_action": [tommy.pk, split.pk]})
    assert not Person.objects.filter(pk=split.pk).exists()
    assert sorted(Person.objects.get(pk=tommy.pk).votes.values_list("item__number", "position")) == votes_before
    assert sorted(PersonAlias.objects.filter(person=tommy).values_list("name", flat=True)) == [
        "Tommy Hummellose",
        "Tommy Hummelose",
    ]
    messages = list(LogEntry.objects.filter(user=editor).values_list("change_message", flat=True))
    assert any("Stavemåden Tommy Hummelose udskilt" in m for m in messages)
    assert any(m.startswith("Sammenlagt med Tommy Hummelose (C") for m in messages)


def test_possible_duplicates_list(client, editor):
    keld = Person.objects.get(name="Keld Hansen")
    Person.objects.create(name="Keld Hansén", slug="keld-hansen-2", party="A")
    Person.objects.create(name="Keld Jensen", slug="keld-jensen", party="V")
    html = client.get("/admin/decisions/person/duplicates/").content.decode()
    assert f"/admin/decisions/person/{keld.pk}/change/" in html
    assert "Keld Hansén (A)" in html
    assert "Keld Jensen" not in html  # another party


def test_edited_membership_is_no_longer_derived(client, editor):
    membership = Membership.objects.get(person__name="Reza Javid")
    assert membership.derived
    client.post(
        f"/admin/decisions/membership/{membership.pk}/change/",
        {"committee": membership.committee_id, "person": membership.person_id, "term": "2018-2021", "role": "Formand"},
    )
    membership.refresh_from_db()
    assert (membership.role, membership.derived) == ("Formand", False)


def test_attachment_file_is_stored_and_its_text_searched_below_the_minutes(client, editor):
    attachment = Attachment.objects.get(title="Business case - Flere samtaler")
    text = pdfmaker.font_safe(
        "REFERAT Bilag 2014-2017 d. 28-03-2017\n\nBusinesscasen viser en nettogevinst på hvalfangstkvoter.\n"
    )
    pdf = pdfmaker.minutes_pdf(text).data
    response = client.post(
        f"/admin/decisions/attachment/{attachment.pk}/change/",
        {"file": SimpleUploadedFile("business-case.pdf", pdf, content_type="application/pdf")},
    )
    assert response.status_code == 302
    attachment.refresh_from_db()
    assert attachment.file.name.endswith(".pdf")
    assert "hvalfangstkvoter" in attachment.text
    item = AgendaItem.objects.get(pk=attachment.item_id)
    assert "hvalfangstkvoter" in item.attachment_text
    results, _ = search.search_items(query=search.parse_query("hvalfangstkvoter"), filter_data=QueryDict(""))
    assert list(results.values_list("meeting__date", "number")) == [(dt.date(2017, 3, 28), 1)]
    # The item page offers the download.
    html = client.get("/meetings/beskaeftigelses-og-socialudvalget/2017-03-28/1/").content.decode()
    assert f'href="{attachment.file.url}"' in html
    assert client.get(attachment.file.url).status_code == 200


def test_editor_cannot_manage_users(client, editor):
    assert client.get("/admin/auth/user/").status_code == 403


def test_votes_are_corrected_in_the_admin(client, editor):
    vote = Vote.objects.get(person__name="Reza Javid", item__number=7)
    response = client.get(f"/admin/decisions/vote/{vote.pk}/change/")
    assert response.status_code == 200
    assert "Reza Javid (Ø) stemmer imod indstillingen." in response.content.decode()
