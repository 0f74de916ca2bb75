"""Uploading minutes through the admin: PDFs built from the fixtures, preview, confirm, bad files, who may."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile

from decisions.models import AgendaItem, Attachment, Meeting, MeetingAbsence, Person, Vote
from decisions.services import ingest_file
from tests import pdfmaker
from tests.conftest import ALL_MINUTES, MINUTES_2019, MINUTES_2021

pytestmark = pytest.mark.django_db
UPLOAD = "/admin/decisions/meeting/upload/"


def fixture_text(path) -> str:
    # Without DejaVu the PDFs replace a few glyphs; compare with the same text then.
    return pdfmaker.font_safe(path.read_text(encoding="utf-8"))


def fixture_pdf(path) -> bytes:
    return pdfmaker.minutes_pdf(fixture_text(path)).data


@pytest.fixture
def editor(client):
    user = User.objects.create_user("redaktor", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Redaktør"))
    client.force_login(user)
    return user


def upload(client, *files: tuple[str, bytes]):
    return client.post(UPLOAD, {"files": [SimpleUploadedFile(name, data) for name, data in files]})


def confirm(client, response, **replace):
    token = re.search(r'name="token" value="([^"]+)"', response.content.decode())[1]
    return client.post(UPLOAD, {"token": token, **{f"replace-{i}": "1" for i in replace.values()}})


def snapshot() -> dict:
    """Every meeting, item, vote, absence and attachment, in natural keys."""
    return {
        "meetings": sorted(Meeting.objects.values_list("committee__name", "date", "start_time", "location", "term")),
        "items": sorted(
            AgendaItem.objects.values_list("meeting__date", "number", "title", "category", "case_number", "outcome")
        ),
        "sections": sorted(
            (i.meeting.date, i.number, tuple(s["heading"] for s in i.sections))
            for i in AgendaItem.objects.select_related("meeting")
        ),
        "votes": sorted(
            Vote.objects.values_list(
                "item__meeting__date", "item__number", "person__name", "party", "position", "subject"
            )
        ),
        "absences": sorted(MeetingAbsence.objects.values_list("meeting__date", "person__name")),
        "attachments": sorted(
            Attachment.objects.values_list("item__meeting__date", "item__number", "position", "title")
        ),
        "persons": sorted(Person.objects.values_list("name", "party")),
    }


def test_uploaded_pdfs_yield_exactly_what_the_text_ingest_yields(client, editor, write_minutes):
    for path in ALL_MINUTES:
        ingest_file(write_minutes(path.name, fixture_text(path)))
    expected = snapshot()
    Meeting.objects.all().delete()
    Person.objects.all().delete()
    assert Meeting.objects.count() == 0

    response = upload(client, *[(path.stem + ".pdf", fixture_pdf(path)) for path in ALL_MINUTES])
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="module upload-file"') == 4
    assert "Intet er gemt endnu" in html
    assert Meeting.objects.count() == 0  # the preview writes nothing
    assert "Ny person oprettes: Reza Javid (Ø)" in html
    assert "title differs from the table of contents" in html

    response = confirm(client, response)
    assert response.status_code == 302
    assert snapshot() == expected
    meeting = Meeting.objects.get(date="2019-03-05")
    assert meeting.original_file.name.endswith(".pdf")
    assert meeting.source_name == MINUTES_2019.stem + ".pdf"


def test_reupload_shows_changes_and_replaces_only_when_confirmed(client, editor):
    text = fixture_text(MINUTES_2021)
    upload_response = upload(client, ("bsu-2021.txt", text.encode()))
    confirm(client, upload_response)
    assert Meeting.objects.get().items.count() == 4

    changed = text.replace("Punkt 4: Aktuelle sager", "Punkt 4: Aktuelle sager og orientering").replace(
        "Punkt 3: Nøgletal på beskæftigelsesområdet", "Punkt 5: Nøgletal på beskæftigelsesområdet"
    )
    response = upload(client, ("bsu-2021-rettet.txt", changed.encode()))
    html = response.content.decode()
    assert "Mødet findes allerede" in html
    assert re.search(r"tilføjede punkter: 5;\s*fjernede punkter: 3;\s*ændrede punkter: 4", html)
    # Confirm without ticking "replace": nothing changes.
    confirm(client, response)
    assert sorted(AgendaItem.objects.values_list("number", flat=True)) == [1, 2, 3, 4]
    # Upload again and tick "replace".
    response = upload(client, ("bsu-2021-rettet.txt", changed.encode()))
    confirm(client, response, first=0)
    assert sorted(AgendaItem.objects.values_list("number", flat=True)) == [1, 2, 4, 5]
    assert AgendaItem.objects.get(number=4).title == "Aktuelle sager og orientering"
    # Same file once more: nothing to do.
    response = upload(client, ("bsu-2021-rettet.txt", changed.encode()))
    assert "Uændret:" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("scan.pdf", pdfmaker.drawing_only_pdf(pages=2), "scanned PDF: no text to read; OCR is not supported"),
        (
            "locked.pdf",
            pdfmaker.minutes_pdf(fixture_text(MINUTES_2021), user_password="x", owner_password="y").data,
            "encrypted PDF: ",
        ),
        ("broken.pdf", fixture_pdf(MINUTES_2021)[:3000], "damaged PDF: "),
        ("renamed.pdf", MINUTES_2021.read_bytes(), "not a PDF file"),
        ("empty.txt", b"", "the file is empty"),
        ("novel.txt", "Det var en mørk og stormfuld nat.\n".encode(), "line 1: this is not committee minutes"),
        ("picture.png", b"\x89PNG\r\n", "kun .pdf- og .txt-filer kan uploades"),
    ],
)
def test_bad_file_gets_its_message_and_the_good_one_goes_through(client, editor, name, data, message):
    response = upload(client, (name, data), ("godt.txt", MINUTES_2019.read_bytes()))
    html = response.content.decode()
    errors = re.findall(r'<p class="errornote upload-error">(.*?)</p>', html, re.S)
    assert len(errors) == 1
    assert message.replace("'", "&#x27;") in errors[0]
    confirm(client, response)
    assert list(Meeting.objects.values_list("date", flat=True).order_by("date")) == [MINUTES_2019_DATE]
    assert AgendaItem.objects.count() == 16


MINUTES_2019_DATE = __import__("datetime").date(2019, 3, 5)


def test_file_over_the_size_limit_is_refused_unread(client, editor, settings):
    settings.ARCHIVE_MAX_MINUTES_BYTES = 50_000
    response = upload(client, ("stor.txt", MINUTES_2019.read_bytes()))
    assert "filen er 0.1 MB; grænsen er 0 MB" in response.content.decode()
    assert 'name="token"' not in response.content.decode()


def test_upload_is_logged_with_user_and_sha256(client, editor):
    data = MINUTES_2021.read_bytes()
    confirm(client, upload(client, ("bsu.txt", data)))
    entry = LogEntry.objects.get()
    assert entry.user == editor
    assert hashlib.sha256(data).hexdigest() in entry.change_message
    assert entry.object_repr == "Beskæftigelses- og Socialudvalget 02-02-2021"


def test_pending_upload_belongs_to_its_uploader(client, editor):
    response = upload(client, ("bsu.txt", MINUTES_2021.read_bytes()))
    token = re.search(r'name="token" value="([^"]+)"', response.content.decode())[1]
    other = User.objects.create_user("anden", password="pw", is_staff=True)
    other.groups.add(Group.objects.get(name="Redaktør"))
    client.force_login(other)
    client.post(UPLOAD, {"token": token})
    assert Meeting.objects.count() == 0


def test_staff_outside_redaktor_cannot_upload_and_anonymous_must_log_in(client):
    anonymous = client.get(UPLOAD)
    assert anonymous.status_code == 302
    assert "/admin/login/" in anonymous["Location"]
    staff = User.objects.create_user("staff", password="pw", is_staff=True)
    client.force_login(staff)
    assert client.get(UPLOAD).status_code == 403
    assert upload(client, ("bsu.txt", MINUTES_2021.read_bytes())).status_code == 403
    assert Meeting.objects.count() == 0


def test_redaktor_has_exactly_the_editing_permissions():
    codenames = set(Group.objects.get(name="Redaktør").permissions.values_list("codename", flat=True))
    assert "upload_minutes" in codenames
    assert {"change_vote", "change_person", "change_membership", "change_agendaitem"} <= codenames
    assert not {c for c in codenames if c.endswith(("_user", "_group", "_permission", "_logentry"))}
    assert "delete_meeting" not in codenames
