"""The admin for editors: every model in Danish, read-only source values, corrections, attachment
files, merging and splitting people, possible duplicates, memberships, permissions."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict

from decisions import search, services
from decisions.models import (
    AgendaItem,
    Attachment,
    BlocVote,
    Case,
    Meeting,
    MeetingAbsence,
    Membership,
    Person,
    PersonAlias,
    Vote,
)
from decisions.services import ingest_file, possible_duplicate_persons
from tests import pdfmaker
from tests.conftest import MINUTES_2019, attachment_pdf, form_data

pytestmark = pytest.mark.django_db
DATE_2019 = dt.date(2019, 3, 5)


@pytest.fixture
def editor(client, ingested):
    user = User.objects.create_user("redaktor", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Redaktør"))
    client.force_login(user)
    return user


def state() -> dict:
    """Who is who: persons, spellings, and whose every vote, absence and membership is."""
    return {
        "persons": sorted(Person.objects.values_list("name", "slug", "party")),
        "aliases": sorted(PersonAlias.objects.values_list("person__slug", "name")),
        "votes": sorted(
            Vote.objects.values_list("item_id", "person__slug", "printed_name", "position", "subject", "line")
        ),
        "absences": sorted(MeetingAbsence.objects.values_list("meeting_id", "person__slug", "printed_name")),
        "memberships": sorted(
            Membership.objects.values_list("committee_id", "person__slug", "term", "role", "derived")
        ),
    }


# --- pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("/admin/", "Beslutningsarkivet – redaktion"),
        ("/admin/decisions/meeting/", "Upload referater"),
        ("/admin/decisions/meeting/?date__year=2019", "5. marts 2019"),
        ("/admin/decisions/meeting/upload/", "Vælg en eller flere PDF- eller tekstfiler"),
        ("/admin/decisions/agendaitem/?q=15.00.00-G01-193-17", "Investeringsprojekter"),
        ("/admin/decisions/agendaitem/?outcome__exact=rejected", "0 dagsordenspunkter"),
        ("/admin/decisions/person/", "Mulige dubletter"),
        ("/admin/decisions/person/?q=Hummelose", "Tommy Hummellose"),
        ("/admin/decisions/personalias/", "Tommy Hummelose"),
        ("/admin/decisions/vote/?position__exact=against", "Reza Javid"),
        ("/admin/decisions/blocvote/", "partiafstemninger"),
        ("/admin/decisions/meetingabsence/", "Anne-Mette Ebensgaard"),
        ("/admin/decisions/membership/", "2018-2021"),
        ("/admin/decisions/attachment/", "Business case - Flere samtaler"),
        ("/admin/decisions/case/", "00.30.00-S00-11-19"),
        ("/admin/decisions/committee/", "Beskæftigelses- og Socialudvalget"),
        ("/admin/decisions/person/duplicates/", "Ingen mulige dubletter"),
    ],
)
def test_admin_pages_in_danish_for_editors(client, editor, url, text):
    response = client.get(url)
    assert response.status_code == 200
    assert text in response.content.decode()
    assert 'lang="da"' in response.content.decode()


def test_every_model_has_an_admin():
    # The archive generation is bookkeeping of the writes themselves, and what each alert
    # subscription has been sent is bookkeeping of send_alerts: nothing to edit.
    bookkeeping = {"archivegeneration", "alertsent"}
    for model in apps.get_app_config("decisions").get_models():
        assert admin.site.is_registered(model) != (model._meta.model_name in bookkeeping), model


def test_meeting_page_keeps_what_the_minutes_say_read_only(client, editor):
    meeting = Meeting.objects.get(date=DATE_2019)
    response = client.get(f"/admin/decisions/meeting/{meeting.pk}/change/")
    html = response.content.decode()
    form = response.context["adminform"].form
    assert set(form.fields) == {"start_time", "location"}
    assert meeting.source_sha256 in html  # shown, not editable
    assert 'name="items-0-title"' in html and 'name="items-0-number"' not in html
    assert 'id="absences-group"' in html
    assert 'href="/odense-kommune/meetings/beskaeftigelses-og-socialudvalget/2019-03-05/"' in html  # view on site
    assert client.get("/admin/decisions/meeting/add/").status_code == 403  # meetings come from uploads


def test_item_page_has_inlines_and_read_only_source(client, editor):
    item = AgendaItem.objects.get(meeting__date=DATE_2019, number=7)
    response = client.get(f"/admin/decisions/agendaitem/{item.pk}/change/")
    html = response.content.decode()
    assert "Reza Javid (Ø) stemmer imod indstillingen." in html  # the vote sentence, read-only
    assert 'name="votes-0-position"' in html and 'name="votes-0-sentence"' not in html
    assert 'name="votes-0-line"' not in html
    assert 'id="bloc_votes-group"' in html and 'id="attachments-group"' in html
    assert 'name="sections"' not in html  # the sections as printed cannot be edited
    assert "Sagsbehandlingstider - BSF" in html
    assert set(response.context["adminform"].form.fields) == {
        "title",
        "category",
        "case_number",
        "outcome",
        "subject_outcomes",
    }


def test_editor_corrects_an_item_and_search_follows(client, editor):
    item = AgendaItem.objects.get(meeting__date=DATE_2019, number=8)
    url = f"/admin/decisions/agendaitem/{item.pk}/change/"
    data = form_data(client, url)
    generation = search.archive_generation()
    data.update(outcome="noted", case_number=" 15.00.00-g01-999-19 ", title="Drøftelse af socialt bedrageri")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    item.refresh_from_db()
    assert (item.outcome, item.case_number, item.case.number) == ("noted", "15.00.00-G01-999-19", "15.00.00-G01-999-19")
    assert Case.objects.filter(number="15.00.00-G01-999-19").exists()
    # The public case page has it, and the old case no longer lists it.
    assert "Drøftelse af socialt bedrageri" in client.get("/odense-kommune/cases/15.00.00-G01-999-19/").content.decode()
    assert (
        "Drøftelse af socialt bedrageri"
        not in client.get("/odense-kommune/cases/15.00.00-G01-194-19/").content.decode()
    )
    results, _ = search.search_items(query=search.parse_query("socialt bedrageri"), filter_data=QueryDict(""))
    assert item.pk in results.values_list("pk", flat=True)
    assert LogEntry.objects.filter(user=editor, object_id=str(item.pk), action_flag=CHANGE).exists()
    assert search.archive_generation() > generation  # cached facets start afresh


def test_bad_case_number_and_outcomes_are_refused_in_danish(client, editor):
    item = AgendaItem.objects.get(meeting__date=DATE_2019, number=8)
    url = f"/admin/decisions/agendaitem/{item.pk}/change/"
    data = form_data(client, url)
    data.update(case_number="sag 12", subject_outcomes='{"indstillingen": "vedtaget"}')
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["case_number"] == [
        "Et sagsnummer begynder med et ciffer og består af cifre og store bogstaver adskilt af . / eller -, "
        "fx 15.00.00-G01-193-17 eller 12/27845."
    ]
    assert errors["subject_outcomes"][0].startswith('Skriv {"emne": "udfald"}')
    assert AgendaItem.objects.get(pk=item.pk).case_number == "15.00.00-G01-194-19"


def test_editor_adds_a_vote_the_parser_missed(client, editor):
    item = AgendaItem.objects.get(meeting__date=DATE_2019, number=8)
    reza = Person.objects.get(name="Reza Javid")
    url = f"/admin/decisions/agendaitem/{item.pk}/change/"
    data = form_data(client, url)
    data.update({"votes-TOTAL_FORMS": "1", "votes-0-person": str(reza.pk), "votes-0-position": "against"})
    data.update({"votes-0-subject": "indstillingen", "votes-0-party": "Ø", "votes-0-role": ""})
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["inline_admin_formsets"]
    vote = Vote.objects.get(item=item)
    assert (vote.person, vote.printed_name, vote.position, vote.line, vote.sentence) == (
        reza,
        "Reza Javid",
        "against",
        0,
        "",
    )


def test_vote_and_absence_pages_show_the_source_read_only(client, editor):
    vote = Vote.objects.get(person__name="Reza Javid", item__number=7)
    response = client.get(f"/admin/decisions/vote/{vote.pk}/change/")
    assert "Reza Javid (Ø) stemmer imod indstillingen." in response.content.decode()
    assert set(response.context["adminform"].form.fields) == {"person", "party", "role", "position", "subject"}
    absence = MeetingAbsence.objects.get()
    response = client.get(f"/admin/decisions/meetingabsence/{absence.pk}/change/")
    assert set(response.context["adminform"].form.fields) == {"person", "party", "role"}
    assert client.get("/admin/decisions/vote/add/").status_code == 403


# --- people --------------------------------------------------------------------------------


def test_split_and_merge_round_trip(client, editor):
    before = state()
    tommy = Person.objects.get(name="Tommy Hummellose")
    alias = PersonAlias.objects.get(name="Tommy Hummelose")
    # Undo the automatic link: "Tommy Hummelose" becomes a person of its own.
    page = client.get(f"/admin/decisions/person/{tommy.pk}/split/{alias.pk}/").content.decode()
    assert "tager de 1 stemmer og 0 fravær med sig" in page
    response = client.post(f"/admin/decisions/person/{tommy.pk}/split/{alias.pk}/")
    split = Person.objects.get(aliases__name="Tommy Hummelose")
    assert response["Location"] == f"/admin/decisions/person/{split.pk}/change/"
    assert (split.name, split.slug, split.party) == ("Tommy Hummelose", "tommy-hummelose", "C")
    assert list(split.votes.values_list("item__number", "subject")) == [(7, "indstillingen")]
    assert list(tommy.votes.values_list("item__number", "subject")) == [(1, "ændringsforslaget")]
    assert list(split.memberships.values_list("term", "derived")) == [("2018-2021", True)]

    # Merge them again: the action leads to a page where the editor chooses who to keep.
    response = client.post(
        "/admin/decisions/person/", {"action": "merge_selected", "_selected_action": [tommy.pk, split.pk]}
    )
    assert response["Location"] == f"/admin/decisions/person/merge/?ids={tommy.pk}%2C{split.pk}"
    page = client.get(response["Location"]).content.decode()
    assert "Tommy Hummelose" in page and "Tommy Hummellose" in page
    response = client.post("/admin/decisions/person/merge/", {"ids": f"{tommy.pk},{split.pk}", "keep": tommy.pk})
    assert response["Location"] == f"/admin/decisions/person/{tommy.pk}/change/"
    assert state() == before

    entries = list(LogEntry.objects.filter(user=editor).order_by("pk").values_list("action_flag", "change_message"))
    assert entries[0][1].startswith("Stavemåden Tommy Hummelose udskilt som ny person Tommy Hummelose (C)")
    assert entries[1][0] == ADDITION
    assert entries[2][0] == DELETION and entries[2][1].startswith("Slået sammen med Tommy Hummellose (C)")
    assert entries[3][0] == CHANGE
    assert entries[3][1].startswith("Sammenlagt med Tommy Hummelose (C) (id ")
    assert "1 stemmer, 0 fravær, 0 medlemskaber og 1 stavemåder flyttet" in entries[3][1]


def test_merge_then_split_restores_everything(client, editor):
    before = state()
    anne, tim = Person.objects.get(name="Anne-Mette Ebensgaard"), Person.objects.get(name="Tim Vermund")
    client.post("/admin/decisions/person/merge/", {"ids": f"{anne.pk},{tim.pk}", "keep": anne.pk})
    assert not Person.objects.filter(pk=tim.pk).exists()
    assert anne.votes.count() == 2 and anne.meeting_absences.count() == 1
    assert sorted(anne.aliases.values_list("name", flat=True)) == ["Anne-Mette Ebensgaard", "Tim Vermund"]
    assert sorted(anne.memberships.values_list("term", flat=True)) == ["2014-2017", "2022-2025"]
    alias = PersonAlias.objects.get(name="Tim Vermund")
    client.post("/admin/decisions/personalias/", {"action": "split_off", "_selected_action": [alias.pk]})
    assert state() == before


def test_a_merged_persons_old_slug_is_shown_read_only(client, editor):
    anne, tim = Person.objects.get(name="Anne-Mette Ebensgaard"), Person.objects.get(name="Tim Vermund")
    client.post("/admin/decisions/person/merge/", {"ids": f"{anne.pk},{tim.pk}", "keep": anne.pk})
    assert (
        client.get("/odense-kommune/people/tim-vermund/")["Location"] == "/odense-kommune/people/anne-mette-ebensgaard/"
    )
    url = f"/admin/decisions/person/{anne.pk}/change/"
    html = client.get(url).content.decode()
    assert 'id="old_slugs-group"' in html
    assert re.search(r'<td class="field-old_slug">\s*<p>tim-vermund</p>', html)
    assert 'name="old_slugs-0-old_slug"' not in html and 'name="old_slugs-0-DELETE"' not in html
    # Saving the person's form leaves the old slug alone.
    assert client.post(url, form_data(client, url)).status_code == 302
    assert list(anne.old_slugs.values_list("old_slug", flat=True)) == ["tim-vermund"]
    listing = client.get("/admin/decisions/personslugredirect/")
    assert listing.status_code == 200 and "tim-vermund" in listing.content.decode()
    assert client.get("/admin/decisions/personslugredirect/add/").status_code == 403


def test_merge_does_not_duplicate_and_keeps_an_editors_membership(client, editor):
    keld, nazim = Person.objects.get(name="Keld Hansen"), Person.objects.get(name="Nazim Gürkan")
    Membership.objects.filter(person=nazim).update(role="Næstformand", derived=False)
    client.post("/admin/decisions/person/merge/", {"ids": f"{keld.pk},{nazim.pk}", "keep": keld.pk})
    # Both voted the same way on both subjects: one vote each, not two.
    assert sorted(keld.votes.values_list("item__number", "position")) == [(1, "against"), (7, "for")]
    assert list(keld.memberships.values_list("role", "derived")) == [("Næstformand", False)]
    message = LogEntry.objects.filter(action_flag=CHANGE).latest("pk").change_message
    assert "2 dobbelte rækker fjernet" in message


def test_merge_needs_two_persons_and_warns_of_different_parties(client, editor):
    keld, reza = Person.objects.get(name="Keld Hansen"), Person.objects.get(name="Reza Javid")
    response = client.post("/admin/decisions/person/", {"action": "merge_selected", "_selected_action": [keld.pk]})
    assert response.status_code == 302 and Person.objects.filter(pk=keld.pk).exists()
    page = client.get(f"/admin/decisions/person/merge/?ids={keld.pk},{reza.pk}").content.decode()
    assert "Personerne står med forskellige partier." in page


def test_splitting_off_the_persons_own_name(client, editor):
    tommy = Person.objects.get(name="Tommy Hummellose")
    alias = PersonAlias.objects.get(name="Tommy Hummellose")
    client.post(f"/admin/decisions/person/{tommy.pk}/split/{alias.pk}/")
    tommy.refresh_from_db()
    assert (tommy.name, tommy.slug) == ("Tommy Hummelose", "tommy-hummellose")  # renamed; the URL stays
    new = Person.objects.get(aliases__name="Tommy Hummellose")
    assert (new.name, new.slug) == ("Tommy Hummellose", "tommy-hummellose-2")
    assert list(new.votes.values_list("item__number", flat=True)) == [1]
    # A single spelling cannot be split off.
    alias = PersonAlias.objects.get(name="Reza Javid")
    response = client.post(f"/admin/decisions/person/{alias.person_id}/split/{alias.pk}/", follow=True)
    assert "Personen har kun denne stavemåde." in response.content.decode()


def test_possible_duplicates_list_links_to_merge(client, editor):
    keld = Person.objects.get(name="Keld Hansen")
    other = services.create_person("Keld Hansén", "A", municipality=services.default_municipality())
    services.create_person("Keld Jensen", "V", municipality=services.default_municipality())  # another party
    services.create_person("Kurt Hansen", "A", municipality=services.default_municipality())  # another given name
    assert [(p.first, p.second) for p in possible_duplicate_persons()] == [(keld, other)]
    html = client.get("/admin/decisions/person/duplicates/").content.decode()
    assert f"/admin/decisions/person/{keld.pk}/change/" in html
    assert "Keld Hansén" in html and "Keld Jensen" not in html and "Kurt Hansen" not in html
    assert f'href="/admin/decisions/person/merge/?ids={keld.pk}%2C{other.pk}"' in html


def test_persons_added_by_an_editor_get_a_slug_and_a_spelling_and_a_known_party(client, editor):
    data = {
        "name": "Keld Hansen",
        "party": "Ø",
        **{f"{prefix}-{key}": value for prefix in ("aliases", "memberships") for key, value in _empty_formset()},
    }
    assert client.post("/admin/decisions/person/add/", data).status_code == 302
    person = Person.objects.get(name="Keld Hansen", party="Ø")
    assert person.slug == "keld-hansen-2"
    assert list(person.aliases.values_list("name", flat=True)) == ["Keld Hansen"]
    response = client.post("/admin/decisions/person/add/", {**data, "party": "X"})
    assert response.status_code == 200 and "party" in response.context["adminform"].form.errors


def _empty_formset():
    return [("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"), ("MIN_NUM_FORMS", "0"), ("MAX_NUM_FORMS", "1000")]


def test_party_is_edited_on_the_person_page(client, editor):
    person = Person.objects.get(name="Anne-Mette Ebensgaard")
    url = f"/admin/decisions/person/{person.pk}/change/"
    data = form_data(client, url)
    data["party"] = "A"
    assert client.post(url, data).status_code == 302
    assert Person.objects.get(pk=person.pk).party == "A"


# --- memberships ---------------------------------------------------------------------------


def test_membership_edited_on_the_committee_page_is_kept_by_reingest(client, editor, write_minutes):
    reza = Membership.objects.get(person__name="Reza Javid")
    assert (reza.role, reza.derived) == ("", True)
    url = f"/admin/decisions/committee/{reza.committee_id}/change/"
    data = form_data(client, url)
    index = next(k.split("-")[1] for k, v in data.items() if k.endswith("-id") and v == str(reza.pk))
    data[f"memberships-{index}-role"] = "Formand"
    assert client.post(url, data).status_code == 302
    reza.refresh_from_db()
    assert (reza.role, reza.derived) == ("Formand", False)
    untouched = Membership.objects.exclude(pk=reza.pk)
    assert all(untouched.values_list("derived", flat=True))  # only the edited row
    # Changed minutes replace the meeting; the editor's membership stays as it is.
    text = MINUTES_2019.read_text(encoding="utf-8").replace("Reza Javid (Ø) stemmer imod", "Reza Javid (Ø) stemmer for")
    assert ingest_file(write_minutes("rettet.txt", text)).status == services.UPDATED
    assert Membership.objects.get(pk=reza.pk).role == "Formand"


def test_membership_added_on_the_person_page_per_term(client, editor):
    person = Person.objects.get(name="Reza Javid")
    url = f"/admin/decisions/person/{person.pk}/change/"
    data = form_data(client, url)
    committee = Membership.objects.get(person=person).committee_id
    total = int(data["memberships-TOTAL_FORMS"])
    data.update(
        {
            "memberships-TOTAL_FORMS": str(total + 1),
            f"memberships-{total}-committee": str(committee),
            f"memberships-{total}-term": "2022-2025",
            f"memberships-{total}-role": "Udvalgsmedlem",
        }
    )
    assert client.post(url, data).status_code == 302
    assert sorted(person.memberships.values_list("term", "role", "derived")) == [
        ("2018-2021", "", True),
        ("2022-2025", "Udvalgsmedlem", False),
    ]
    data[f"memberships-{total}-term"] = "2022"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Skriv valgperioden som to årstal, fx 2018-2021." in response.content.decode()


def test_membership_admin_marks_edits(client, editor):
    membership = Membership.objects.get(person__name="Reza Javid")
    url = f"/admin/decisions/membership/{membership.pk}/change/"
    data = form_data(client, url)
    data["role"] = "Næstformand"
    assert client.post(url, data).status_code == 302
    membership.refresh_from_db()
    assert (membership.role, membership.derived) == ("Næstformand", False)


# --- attachments ---------------------------------------------------------------------------


def test_attachment_file_is_stored_and_its_text_searched_below_the_minutes(
    client, editor, django_capture_on_commit_callbacks
):
    attachment = Attachment.objects.get(title="Business case - Flere samtaler")
    pdf = attachment_pdf("Businesscasen viser en nettogevinst på hvalfangstkvoter.")
    url = f"/admin/decisions/attachment/{attachment.pk}/change/"
    response = client.post(url, {"file": SimpleUploadedFile("business-case.pdf", pdf)})
    assert response.status_code == 302
    attachment.refresh_from_db()
    first = attachment.file.name
    assert first.startswith("attachments/") and first.endswith(".pdf")
    assert "hvalfangstkvoter" in attachment.text
    item = AgendaItem.objects.get(pk=attachment.item_id)
    assert "hvalfangstkvoter" in item.attachment_text
    results, _ = search.search_items(query=search.parse_query("hvalfangstkvoter"), filter_data=QueryDict(""))
    assert list(results.values_list("meeting__date", "number")) == [(dt.date(2017, 3, 28), 1)]
    # Minutes text outranks attachment text: items with the word in their minutes come first.
    attachment.text += " Nøgletal på beskæftigelsesområdet."
    attachment.save(update_fields=["text"])
    services.refresh_attachment_text(attachment.item_id)
    results, _ = search.search_items(query=search.parse_query("nøgletal"), filter_data=QueryDict(""))
    ranked = list(results.values_list("pk", flat=True))
    assert len(ranked) > 2 and ranked[-1] == attachment.item_id
    entry = LogEntry.objects.get(user=editor, object_id=str(attachment.pk), change_message__startswith="Bilagsfil")
    assert "SHA-256" in entry.change_message
    # The item page offers the download; PDFs open in the browser.
    html = client.get("/odense-kommune/meetings/beskaeftigelses-og-socialudvalget/2017-03-28/1/").content.decode()
    assert f'href="{attachment.file.url}"' in html
    assert client.get(attachment.file.url)["Content-Type"] == "application/pdf"

    # Another file replaces it (the old one is deleted), and clearing it removes its text.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"file": SimpleUploadedFile("ny.pdf", attachment_pdf("Opdateret kalkule."))})
    attachment.refresh_from_db()
    assert "Opdateret kalkule." in attachment.text
    assert not attachment.file.storage.exists(first)
    client.post(url, {"file-clear": "on"})
    attachment.refresh_from_db()
    assert (attachment.file.name, attachment.text) == ("", "")
    assert AgendaItem.objects.get(pk=attachment.item_id).attachment_text == ""


def test_attachment_without_text_is_kept_and_the_editor_told(client, editor):
    attachment = Attachment.objects.get(title="Business case - Flere samtaler")
    url = f"/admin/decisions/attachment/{attachment.pk}/change/"
    response = client.post(url, {"file": SimpleUploadedFile("scan.pdf", pdfmaker.drawing_only_pdf())}, follow=True)
    assert "der kunne ikke udtrækkes tekst til søgningen (scannet PDF" in response.content.decode()
    response = client.post(url, {"file": SimpleUploadedFile("regneark.xlsx", b"PK\x03\x04 not really")})
    attachment.refresh_from_db()
    assert attachment.file.name.endswith(".xlsx") and attachment.text == ""
    download = client.get(attachment.file.url)
    assert download["Content-Disposition"].startswith("attachment")


def test_attachment_file_given_on_the_item_page(client, editor):
    item = AgendaItem.objects.get(meeting__date=DATE_2019, number=7)
    url = f"/admin/decisions/agendaitem/{item.pk}/change/"
    data = form_data(client, url)
    data["attachments-0-file"] = SimpleUploadedFile("bilag.pdf", attachment_pdf("Sagsbehandlingstider i uger."))
    response = client.post(url, data)
    assert response.status_code == 302
    attachment = Attachment.objects.get(item=item)
    assert "Sagsbehandlingstider i uger." in attachment.text
    assert "Sagsbehandlingstider i uger." in AgendaItem.objects.get(pk=item.pk).attachment_text


def test_attachment_files_survive_a_replaced_meeting(write_minutes, ingested, django_capture_on_commit_callbacks):
    kept = Attachment.objects.get(item__meeting__date=DATE_2019, item__number=7)
    dropped = Attachment.objects.get(item__meeting__date=DATE_2019, item__number=2, position=1)
    services.set_attachment_file(kept, name="a.pdf", data=attachment_pdf("Uger og dage."))
    services.set_attachment_file(dropped, name="b.pdf", data=attachment_pdf("Forsvinder."))
    dropped_file = Attachment.objects.get(pk=dropped.pk).file.name
    text = MINUTES_2019.read_text(encoding="utf-8").replace(dropped.title + "\n", "")
    parsed = services.read_minutes_file(text.encode(), name="x.txt")[1]
    dry = services.ingest_meeting(parsed, source_name="x.txt", source_text=text, sha256="0" * 64, dry_run=True)
    assert dry.dropped_attachment_files == [dropped.title]
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest_file(write_minutes("rettet.txt", text))
    assert result.status == services.UPDATED
    again = Attachment.objects.get(item__meeting__date=DATE_2019, item__number=7)
    assert again.pk != kept.pk and again.file.name == Attachment.objects.get(pk=again.pk).file.name
    assert "Uger og dage." in again.text and "Uger og dage." in again.item.attachment_text
    assert not Attachment.objects.filter(title=dropped.title, item__meeting__date=DATE_2019).exists()
    assert not again.file.storage.exists(dropped_file)


# --- who may do what -----------------------------------------------------------------------


def test_editor_cannot_manage_users_or_delete_meetings(client, editor):
    assert client.get("/admin/auth/user/").status_code == 403
    assert client.get("/admin/auth/group/").status_code == 403
    meeting = Meeting.objects.get(date=DATE_2019)
    assert client.get(f"/admin/decisions/meeting/{meeting.pk}/delete/").status_code == 403


def test_anonymous_never_reaches_the_admin(client, ingested):
    for url in ("/admin/", "/admin/decisions/person/", "/admin/decisions/person/duplicates/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_staff_outside_redaktor_cannot_merge_or_split(client, ingested):
    staff = User.objects.create_user("staff", password="pw", is_staff=True)
    client.force_login(staff)
    tommy = Person.objects.get(name="Tommy Hummellose")
    alias = PersonAlias.objects.get(name="Tommy Hummelose")
    assert client.post(f"/admin/decisions/person/{tommy.pk}/split/{alias.pk}/").status_code == 403
    keld = Person.objects.get(name="Keld Hansen")
    response = client.post("/admin/decisions/person/merge/", {"ids": f"{keld.pk},{tommy.pk}", "keep": keld.pk})
    assert response.status_code == 403
    assert Person.objects.filter(pk=tommy.pk).exists() and Person.objects.filter(pk=keld.pk).exists()


def test_redaktor_has_exactly_the_editing_permissions():
    codenames = set(Group.objects.get(name="Redaktør").permissions.values_list("codename", flat=True))
    assert codenames == {
        "upload_minutes",
        *(
            f"{action}_{model}"
            for model in ("meeting", "agendaitem", "attachment", "committee", "case")
            for action in ("view", "change")
        ),
        *(
            f"{action}_{model}"
            for model in ("vote", "blocvote", "meetingabsence", "person", "personalias", "membership")
            for action in ("view", "add", "change", "delete")
        ),
    }


def test_a_party_that_is_no_letter_is_refused_in_danish(client, editor):
    # Security review finding 7: "/" was stored, and the person page then answered 500.
    item = AgendaItem.objects.get(meeting__date=DATE_2019, number=8)
    reza = Person.objects.get(name="Reza Javid")
    url = f"/admin/decisions/agendaitem/{item.pk}/change/"
    data = form_data(client, url)
    data.update({"votes-TOTAL_FORMS": "1", "votes-0-person": str(reza.pk), "votes-0-position": "against"})
    data.update({"votes-0-subject": "indstillingen", "votes-0-party": "/", "votes-0-role": ""})
    data.update({"bloc_votes-TOTAL_FORMS": "1", "bloc_votes-0-parties": "A, /", "bloc_votes-0-position": "for"})
    data.update({"bloc_votes-0-label": "flertal", "bloc_votes-0-subject": ""})
    response = client.post(url, data)
    assert response.status_code == 200
    errors = {f.formset.prefix: f.formset.errors for f in response.context["inline_admin_formsets"]}
    refused = "»/« er ikke et partibogstav: skriv ét stort bogstav, A–Z, Æ, Ø eller Å, fx V eller Ø."
    assert errors["votes"] == [{"party": [refused]}]
    assert errors["bloc_votes"] == [{"parties": [refused]}]
    assert refused in response.content.decode()
    assert not Vote.objects.filter(item=item).exists() and not BlocVote.objects.filter(item=item).exists()
    # A bloc vote's own page says why too, and keeps its letters.
    sentence = "Et flertal bestående af A og F stemmer for indstillingen."
    bloc = BlocVote.objects.create(item=item, parties=["A", "F"], label="flertal", position="for", sentence=sentence)
    url = f"/admin/decisions/blocvote/{bloc.pk}/change/"
    response = client.post(url, {**form_data(client, url), "parties": "A, /"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"parties": [refused]}
    assert BlocVote.objects.get(pk=bloc.pk).parties == ["A", "F"]
