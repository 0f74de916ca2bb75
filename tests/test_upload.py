"""Uploading minutes through the admin: PDFs built from the fixtures in the test run, preview,
confirm, change summary and replace, bad files, pending uploads, who may upload, the admin log."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from decisions.models import (
    AgendaItem,
    Attachment,
    BlocVote,
    Case,
    Committee,
    Meeting,
    MeetingAbsence,
    Membership,
    Person,
    PersonAlias,
    Vote,
)
from decisions.services import ingest_file
from tests import pdfmaker
from tests.conftest import (
    ALL_MINUTES,
    MINUTES_2017,
    MINUTES_2019,
    MINUTES_2021,
    MINUTES_2024,
    attachment_pdf,
    form_data,
    make_minutes,
    too_many_words_minutes,
)

pytestmark = pytest.mark.django_db
UPLOAD = "/admin/decisions/meeting/upload/"
DATE_2019 = dt.date(2019, 3, 5)


def fixture_text(path: Path) -> str:
    # Without DejaVu the PDFs replace a few glyphs; compare with the same text then.
    return pdfmaker.font_safe(path.read_text(encoding="utf-8"))


def fixture_pdf(path: Path) -> bytes:
    return pdfmaker.minutes_pdf(fixture_text(path)).data


@pytest.fixture
def editor(client):
    user = User.objects.create_user("redaktor", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Redaktør"))
    client.force_login(user)
    return user


def upload(client, *files: tuple[str, bytes]):
    return client.post(UPLOAD, {"files": [SimpleUploadedFile(name, data) for name, data in files]})


def token_of(response) -> str:
    return re.search(r'name="token" value="([^"]+)"', response.content.decode())[1]


def confirm(client, response, *replace: int):
    return client.post(UPLOAD, {"token": token_of(response), **{f"replace-{i}": "1" for i in replace}}, follow=True)


def sections(html: str) -> dict[str, str]:
    """Each previewed file's section of the page, by file name."""
    parts = re.findall(r'<section class="module upload-file".*?<h2 id="[^"]+">(.*?)</h2>(.*?)</section>', html, re.S)
    return dict(parts)


def words(text: str) -> str:
    return " ".join(text.split())


def snapshot() -> dict:
    """Everything a meeting's ingest writes, in natural keys (line numbers aside: a PDF's text has
    other line breaks than the text file; section texts compared word by word)."""
    return {
        "committees": sorted(Committee.objects.values_list("name", "slug")),
        "cases": sorted(Case.objects.values_list("number", "kle", "facet", "serial", "year")),
        "meetings": sorted(Meeting.objects.values_list("committee__name", "date", "start_time", "location", "term")),
        "items": sorted(
            (
                i.meeting.date,
                i.number,
                i.title,
                i.toc_title,
                i.category,
                i.case_number,
                i.outcome,
                tuple(sorted(i.subject_outcomes.items())),
                tuple((o["committee"], o["sentence"]) for o in i.other_committees),
                tuple((s["kind"], s["heading"], words(s["text"])) for s in i.sections),
            )
            for i in AgendaItem.objects.select_related("meeting")
        ),
        "votes": sorted(
            Vote.objects.values_list(
                "item__meeting__date",
                "item__number",
                "person__name",
                "printed_name",
                "party",
                "role",
                "position",
                "subject",
                "sentence",
            )
        ),
        "bloc_votes": sorted(
            (b.item.meeting.date, b.item.number, tuple(b.parties), b.label, b.position, b.subject, b.sentence)
            for b in BlocVote.objects.select_related("item__meeting")
        ),
        "absences": sorted(
            MeetingAbsence.objects.values_list("meeting__date", "person__name", "printed_name", "party", "role")
        ),
        "attachments": sorted(
            Attachment.objects.values_list("item__meeting__date", "item__number", "position", "title")
        ),
        "persons": sorted(Person.objects.values_list("name", "slug", "party")),
        "aliases": sorted(PersonAlias.objects.values_list("person__name", "name")),
        "memberships": sorted(Membership.objects.values_list("committee__name", "person__name", "term", "role")),
    }


def wipe() -> None:
    Meeting.objects.all().delete()
    Person.objects.all().delete()
    Committee.objects.all().delete()
    Case.objects.all().delete()


def test_uploaded_pdfs_yield_exactly_what_the_text_ingest_yields(client, editor, write_minutes):
    built = {path: pdfmaker.minutes_pdf(fixture_text(path)) for path in ALL_MINUTES}
    # The PDFs break paragraphs across pages and hold tables, like the real ones.
    assert all(any(split.mid_sentence for split in b.splits) for b in built.values())
    assert all("\t" in fixture_text(path) for path in ALL_MINUTES)
    for path in ALL_MINUTES:
        ingest_file(write_minutes(path.name, fixture_text(path)))
    expected = snapshot()
    assert len(expected["votes"]) == 22 and len(expected["absences"]) == 1
    wipe()

    response = upload(client, *[(path.stem + ".pdf", b.data) for path, b in built.items()])
    assert response.status_code == 200
    html = response.content.decode()
    assert list(sections(html)) == [path.stem + ".pdf" for path in ALL_MINUTES]
    assert "Intet er gemt endnu" in html
    assert Meeting.objects.count() == Person.objects.count() == 0  # the preview writes nothing

    response = confirm(client, response)
    assert response.redirect_chain[-1][0] == "/admin/decisions/meeting/"
    assert snapshot() == expected
    for path in ALL_MINUTES:
        meeting = Meeting.objects.get(source_name=path.stem + ".pdf")
        assert meeting.source_sha256 == hashlib.sha256(built[path].data).hexdigest()
        assert meeting.original_file.name.endswith(".pdf")
        assert meeting.original_file.read() == built[path].data
    messages = [str(m) for m in response.context["messages"]]
    meeting_2019 = "Beskæftigelses- og Socialudvalget 05-03-2019"
    assert f"Gemt: {meeting_2019} fra {MINUTES_2019.stem}.pdf (16 punkter, 14 navngivne stemmer)." in messages


def test_preview_shows_the_meeting_items_votes_absences_and_warnings(client, editor):
    response = upload(client, ("bsu-2019.txt", MINUTES_2019.read_bytes()), ("bsu-2024.txt", MINUTES_2024.read_bytes()))
    html = response.content.decode()
    preview, preview_2024 = sections(html)["bsu-2019.txt"], sections(html)["bsu-2024.txt"]
    # The meeting header.
    assert "<dd>Beskæftigelses- og Socialudvalget</dd>" in preview
    assert "<dd>tirsdag 5. marts 2019 kl. 08:30</dd>" in preview
    assert "<dd>2018-2021</dd>" in preview
    assert "Nyt møde: det oprettes, når du bekræfter." in preview
    # Items with case numbers, outcomes in Danish, decisions, votes and item-level absence.
    rows = re.findall(r"<tr>\s*<td>(\d+)</td>(.*?)</tr>", preview, re.S)
    assert [int(n) for n, _ in rows] == list(range(1, 17))
    item7 = dict(rows)["7"]
    assert "<td>00.00.00-G01-5270-17</td>" in item7
    assert "<td>godkendt</td>" in item7
    assert "Reza Javid (Ø) stemmer imod indstillingen." in item7
    assert "<li>Reza Javid (Ø): imod – indstillingen</li>" in item7
    assert "<li>Tommy Hummelose (C): for – indstillingen</li>" in item7
    assert "<li>Ændringsforslaget: forkastet</li>" in dict(rows)["1"]
    assert "Christoffer Lilleholt deltog ikke i behandlingen af punktet" in dict(rows)["9"]
    # Warnings, in Danish with the line number, the original beside it.
    assert (
        "Linje 113: punkt 3: titlen afviger fra indholdsfortegnelsen, hvor der står &#x27;Beretning om "
        "magtanvendelser over for børn og unge på det specialiserede socialområde i alderen 0-18 år&#x27;"
    ) in preview_2024
    assert "line 113: item 3: title differs from the table of contents" in preview_2024
    assert "<dt>Fraværende fra mødet</dt><dd>Anne-Mette Ebensgaard</dd>" in preview_2024
    assert "Tommy Hummelose (C) er koblet til Tommy Hummellose (C) som en anden stavemåde" in preview
    assert "Ny person oprettes: Reza Javid (Ø)" in preview
    assert Meeting.objects.count() == 0


def test_preview_warns_of_missing_case_number_and_possible_duplicate_persons(client, editor, ingested):
    text = make_minutes(
        (1, "Budget", "Keld Hansen (V) stemmer imod indstillingen. Indstillingen godkendes."),
        (2, "Plan", "Tommy Humelosse (C) tager forbehold for indstillingen. Indstillingen godkendes."),
    ).replace("00.01.00-A00-2-22\n", "")
    preview = sections(upload(client, ("test.txt", text.encode())).content.decode())["test.txt"]
    assert re.search(r"Linje \d+: punkt 2: sagsnummeret mangler", preview)
    assert "Mulig dublet: Keld Hansen (V) oprettes som ny person, men navnet kendes med et andet parti" in preview
    assert "Mulig dublet: den nye person Tommy Humelosse (C) ligner Tommy Hummellose (C)" in preview
    assert "den nye person Keld Hansen (V) ligner" not in preview  # said once is enough
    assert "Ny person oprettes: Keld Hansen (V)" in preview
    assert not Person.objects.filter(name="Tommy Humelosse").exists()


def test_reupload_shows_changes_and_replaces_only_when_confirmed(client, editor, django_capture_on_commit_callbacks):
    text = fixture_text(MINUTES_2021)
    confirm(client, upload(client, ("bsu-2021.txt", text.encode())))
    meeting = Meeting.objects.get()
    assert meeting.items.count() == 4
    first_original = meeting.original_file.name

    changed = (
        text.replace("Punkt 4: Aktuelle sager", "Punkt 4: Aktuelle sager og orientering")
        .replace("Punkt 3: Nøgletal på beskæftigelsesområdet", "Punkt 5: Nøgletal på beskæftigelsesområdet")
        .replace("Mødested Teams-møde", "Mødested Rådhuset")
    )
    response = upload(client, ("bsu-2021-rettet.txt", changed.encode()))
    preview = sections(response.content.decode())["bsu-2021-rettet.txt"]
    assert "findes allerede i arkivet (indlæst fra bsu-2021.txt)" in preview
    assert "Tilføjede punkter: 5. Nøgletal på beskæftigelsesområdet</li>" in preview
    assert "Fjernede punkter: 3. Nøgletal på beskæftigelsesområdet</li>" in preview
    assert "Ændrede punkter: 4. Aktuelle sager og orientering (titel)</li>" in preview
    assert "Mødet: mødested</li>" in preview
    assert 'name="replace-0"' in preview

    # Confirm without ticking "replace": nothing changes.
    response = confirm(client, response)
    assert "Ikke erstattet: Beskæftigelses- og Socialudvalget 02-02-2021 findes allerede (bsu-2021-rettet.txt)" in (
        response.content.decode()
    )
    assert sorted(AgendaItem.objects.values_list("number", flat=True)) == [1, 2, 3, 4]
    assert Meeting.objects.get().source_name == "bsu-2021.txt"

    # Upload again and tick "replace": the same meeting row, new content, new original.
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(client, upload(client, ("bsu-2021-rettet.txt", changed.encode())), 0)
    assert (
        "Erstattet: Beskæftigelses- og Socialudvalget 02-02-2021 fra bsu-2021-rettet.txt" in response.content.decode()
    )
    assert Meeting.objects.get().pk == meeting.pk
    meeting = Meeting.objects.get()
    assert meeting.location == "Rådhuset"
    assert sorted(AgendaItem.objects.values_list("number", flat=True)) == [1, 2, 4, 5]
    assert AgendaItem.objects.get(number=4).title == "Aktuelle sager og orientering"
    assert meeting.original_file.read() == changed.encode()
    assert not meeting.original_file.storage.exists(first_original)  # the old original is gone

    # The same file once more: nothing to do, nothing to confirm.
    response = upload(client, ("bsu-2021-rettet.txt", changed.encode()))
    assert "Uændret: Beskæftigelses- og Socialudvalget 02-02-2021 er allerede indlæst" in response.content.decode()
    assert 'name="token"' not in response.content.decode()


MONTHS = "januar februar marts april maj juni juli august september oktober november december".split()
WARNING = "Mødet er rettet i admin siden seneste upload; rettelserne overskrives, hvis du erstatter det:"


def corrections_in(preview: str) -> list[str]:
    """The preview's list of admin corrections a replace would overwrite ([] without the warning)."""
    box = re.search(r'<div class="upload-corrections" role="alert">(.*?)</div>', preview, re.S)
    if box is None:
        assert WARNING not in preview
        return []
    assert f"<p><strong>{WARNING}</strong></p>" in box[1]
    return [words(li) for li in re.findall(r"<li>(.*?)</li>", box[1], re.S)]


def said(entry: LogEntry) -> str:
    """Who and when, as the preview says it: Danish date, Copenhagen time."""
    local = entry.action_time.astimezone(ZoneInfo("Europe/Copenhagen"))
    return f"{entry.user.username}, {local.day}. {MONTHS[local.month - 1]} {local.year} kl. {local:%H:%M}"


def success_messages(response) -> list[str]:
    return re.findall(r'<li class="success">(.*?)</li>', response.content.decode(), re.S)


def test_replacing_warns_of_admin_corrections_and_says_how_many_it_overwrote(client, editor):
    data = MINUTES_2019.read_bytes()
    again = data + b"\n"  # another file, the same content
    confirm(client, upload(client, ("bsu-2019.txt", data)))
    meeting = Meeting.objects.get()
    # Another file with the same content: the replace is offered, and nothing was corrected.
    preview = sections(upload(client, ("bsu-2019-igen.txt", again)).content.decode())["bsu-2019-igen.txt"]
    assert 'name="replace-0"' in preview
    assert corrections_in(preview) == []

    # The editor corrects item 7's title in the meeting's inline, as a browser submits the form.
    item = AgendaItem.objects.get(number=7)
    url = f"/admin/decisions/meeting/{meeting.pk}/change/"
    post = form_data(client, url)
    (title_field,) = [
        k.replace("-id", "-title") for k, v in post.items() if re.fullmatch(r"items-\d+-id", k) and v == str(item.pk)
    ]
    post[title_field] = "<b>Sagsbehandlingstider</b> & frister"
    assert client.post(url, post).status_code == 302
    correction = LogEntry.objects.latest("pk")
    assert (correction.content_type.model, correction.object_id) == ("meeting", str(meeting.pk))

    response = upload(client, ("bsu-2019-igen.txt", again))
    preview = sections(response.content.decode())["bsu-2019-igen.txt"]
    assert corrections_in(preview) == [
        f"{said(correction)}: Ændrede Titel for dagsordenspunkt “Beskæftigelses- og Socialudvalget 05-03-2019: "
        "7. &lt;b&gt;Sagsbehandlingstider&lt;/b&gt; &amp; frister”."
    ]
    assert "<b>Sagsbehandlingstider</b>" not in response.content.decode()  # escaped, never markup

    response = confirm(client, response, 0)
    assert success_messages(response) == [
        "Erstattet: Beskæftigelses- og Socialudvalget 05-03-2019 fra bsu-2019-igen.txt "
        "(16 punkter, 14 navngivne stemmer); 1 rettelse overskrevet."
    ]
    logged = LogEntry.objects.latest("pk")
    assert logged.change_message == (
        f"Referat uploadet af redaktor: bsu-2019-igen.txt (SHA-256 {hashlib.sha256(again).hexdigest()}); "
        "mødet erstattet med 16 punkter, 14 navngivne stemmer; 1 rettelse overskrevet"
    )
    assert AgendaItem.objects.get(number=7).title == (
        "Årlig godkendelse af sagsbehandlingstider, Beskæftigelses- og Socialforvaltningen 2019"
    )
    # The correction went with the replaced content: the next replace has nothing to warn of.
    preview = sections(upload(client, ("bsu-2019.txt", data)).content.decode())["bsu-2019.txt"]
    assert 'name="replace-0"' in preview
    assert corrections_in(preview) == []
    response = confirm(client, upload(client, ("bsu-2019.txt", data)), 0)
    assert success_messages(response)[0].endswith("; 0 rettelser overskrevet.")


def test_corrections_on_the_items_and_absences_own_pages_count_and_attachment_files_do_not(client, editor):
    data = MINUTES_2024.read_bytes()
    confirm(client, upload(client, ("bsu-2024.txt", data)))
    meeting = Meeting.objects.get()
    # A title corrected on the item's own page: logged on the item.
    item = AgendaItem.objects.get(number=15)
    url = f"/admin/decisions/agendaitem/{item.pk}/change/"
    post = form_data(client, url)
    post["title"] = "D-sag: Aktuelle sager (rettet)"
    assert client.post(url, post).status_code == 302
    on_item = LogEntry.objects.latest("pk")
    # An absence deleted on its own page: logged on the absence and, so that it is found, on the meeting.
    absence = MeetingAbsence.objects.get()
    assert client.post(f"/admin/decisions/meetingabsence/{absence.pk}/delete/", {"post": "yes"}).status_code == 302
    deletion, on_meeting = LogEntry.objects.order_by("-pk")[:2][::-1]
    assert (deletion.action_flag, deletion.object_id) == (DELETION, str(absence.pk))
    assert (on_meeting.action_flag, on_meeting.object_id, on_meeting.content_type.model) == (
        CHANGE,
        str(meeting.pk),
        "meeting",
    )
    # Not overwritten by a replace, so not listed: an attachment's file (kept with its item and
    # title) and a save that changed nothing.
    attached = AgendaItem.objects.get(number=7)
    url = f"/admin/decisions/agendaitem/{attached.pk}/change/"
    post = form_data(client, url)
    post["attachments-0-file"] = SimpleUploadedFile("bilag.pdf", attachment_pdf("Sagsbehandlingstider i uger."))
    assert client.post(url, post).status_code == 302
    url = f"/admin/decisions/meeting/{meeting.pk}/change/"
    assert client.post(url, form_data(client, url)).status_code == 302
    assert LogEntry.objects.latest("pk").get_change_message() == "Ingen felter ændret."

    response = upload(client, ("bsu-2024-igen.txt", data + b"\n"))
    assert corrections_in(sections(response.content.decode())["bsu-2024-igen.txt"]) == [
        f"{said(on_meeting)}: Slettede fravær fra møde “Anne-Mette Ebensgaard fraværende "
        "Beskæftigelses- og Socialudvalget 28-05-2024”.",
        f"{said(on_item)}: Dagsordenspunkt “15. D-sag: Aktuelle sager (rettet)”: Ændrede Titel.",
    ]
    response = confirm(client, response, 0)
    assert success_messages(response)[0].endswith("; 2 rettelser overskrevet.")
    assert MeetingAbsence.objects.get().printed_name == "Anne-Mette Ebensgaard"
    assert Attachment.objects.get(item__number=7).file.name.endswith(".pdf")


def test_many_corrections_are_capped_with_how_many_more(client, editor):
    data = MINUTES_2019.read_bytes()
    confirm(client, upload(client, ("bsu-2019.txt", data)))
    vote = Vote.objects.get(item__number=7, person__name="Reza Javid")
    url = f"/admin/decisions/vote/{vote.pk}/change/"
    for n in range(12):
        post = form_data(client, url)
        post["position"] = "for" if n % 2 == 0 else "against"
        assert client.post(url, post).status_code == 302
    newest = LogEntry.objects.latest("pk")
    response = upload(client, ("bsu-2019-igen.txt", data + b"\n"))
    listed = corrections_in(sections(response.content.decode())["bsu-2019-igen.txt"])
    assert len(listed) == 11
    assert listed[0] == f"{said(newest)}: Stemme “Reza Javid (Ø): imod indstillingen” i punkt 7: Ændrede Stilling."
    assert listed[-1] == "og 2 flere"
    response = confirm(client, response, 0)
    assert success_messages(response)[0].endswith("; 12 rettelser overskrevet.")


def test_the_same_minutes_as_pdf_replace_nothing_but_the_file(client, editor):
    confirm(client, upload(client, ("bsu-2021.txt", fixture_text(MINUTES_2021).encode())))
    preview = sections(upload(client, ("bsu-2021.pdf", fixture_pdf(MINUTES_2021))).content.decode())["bsu-2021.pdf"]
    assert "Filen er en anden, men arkivet læser det samme indhold i den." in preview


BAD_FILES = [
    (
        "scan.pdf",
        lambda: pdfmaker.drawing_only_pdf(pages=2),
        "Scannet PDF: der er ingen tekst at læse, og tekstgenkendelse (OCR) understøttes ikke",
        "scanned PDF: no text to read; OCR is not supported",
    ),
    (
        "locked.pdf",
        lambda: pdfmaker.minutes_pdf(fixture_text(MINUTES_2021), user_password="x", owner_password="y").data,
        "Krypteret PDF-fil: den kræver en adgangskode for at blive åbnet",
        "encrypted PDF: a password is needed to open it",
    ),
    (
        "broken.pdf",
        lambda: fixture_pdf(MINUTES_2021)[:3000],
        "Beskadiget PDF-fil: ",
        "damaged PDF: ",
    ),
    (
        "renamed.pdf",
        lambda: MINUTES_2021.read_bytes(),
        "Filen er ikke en PDF-fil, selv om navnet ender på .pdf",
        "not a PDF file",
    ),
    ("empty.txt", lambda: b"", "Filen er tom", "the file is empty"),
    (
        "novel.txt",
        lambda: "Det var en mørk og stormfuld nat.\n".encode(),
        "Linje 1: det er ikke et udvalgsreferat",
        "line 1: this is not committee minutes",
    ),
    (
        "twice.txt",
        lambda: make_minutes((1, "A", ""), (2, "B", "")).replace("Punkt 2:", "Punkt 1:").encode(),
        "Linje 21: punkt 1 står der to gange (første gang i linje 12)",
        "line 21: item number 1 appears twice (first on line 12)",
    ),
    (
        "enormous.txt",
        lambda: too_many_words_minutes().encode(),
        "Et dagsordenspunkt har flere forskellige ord, end søgeindekset kan rumme for ét punkt",
        "an agenda item has more distinct words than the search index can hold",
    ),
    ("picture.png", lambda: b"\x89PNG\r\n", "Kun .pdf- og .txt-filer kan uploades", ""),
    ("huge.txt", lambda: b"x" * (2 * 2**20 + 60_000), "Filen fylder 2,1 MB, over grænsen på 2 MB", ""),
]


@pytest.mark.parametrize(("name", "data", "message", "original"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_file_gets_its_message_and_the_good_one_goes_through(
    client, editor, settings, name, data, message, original
):
    settings.ARCHIVE_MAX_MINUTES_BYTES = 2 * 2**20
    response = upload(client, (name, data()), ("godt.txt", MINUTES_2019.read_bytes()))
    previews = sections(response.content.decode())
    assert list(previews) == [name, "godt.txt"]
    errors = re.findall(r'<div class="errornote upload-error" role="alert">(.*?)</div>', previews[name], re.S)
    assert len(errors) == 1
    assert message.replace("'", "&#x27;") in errors[0]
    assert original.replace("'", "&#x27;") in errors[0]
    assert "errornote" not in previews["godt.txt"]
    assert Meeting.objects.count() == 0
    confirm(client, response)
    assert list(Meeting.objects.values_list("date", flat=True)) == [DATE_2019]
    assert AgendaItem.objects.count() == 16


def test_an_oversized_file_is_not_kept_whole(client, editor, settings, tmp_path):
    """The upload handler stops storing a file past the limit but still knows its real size."""
    settings.ARCHIVE_MAX_MINUTES_BYTES = 10_000
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1_000  # bigger uploads go to temporary files
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    html = upload(client, ("stor.txt", MINUTES_2019.read_bytes())).content.decode()
    size = f"{MINUTES_2019.stat().st_size / 2**20:.1f}".replace(".", ",")
    assert f"Filen fylder {size} MB, over grænsen på 0 MB" in html


def test_confirm_checks_the_sha256_of_what_was_previewed(client, editor, settings):
    response = upload(client, ("bsu.txt", MINUTES_2021.read_bytes()))
    token = token_of(response)
    pending = Path(settings.MEDIA_ROOT) / "pending" / token / "0"
    assert pending.read_bytes() == MINUTES_2021.read_bytes()
    pending.write_bytes(MINUTES_2019.read_bytes())  # swapped behind the preview's back
    response = client.post(UPLOAD, {"token": token}, follow=True)
    assert "Intet gemt fra bsu.txt: filen er ændret siden forhåndsvisningen." in response.content.decode()
    assert Meeting.objects.count() == 0
    assert not pending.parent.exists()  # the pending upload is cleared either way


def test_two_files_of_the_same_meeting_in_one_upload(client, editor):
    text = MINUTES_2021.read_bytes()
    response = upload(client, ("a.txt", text), ("b.txt", text.replace(b"Teams-m", b"Teams m")))
    assert "Samme møde som a.txt i denne upload" in sections(response.content.decode())["b.txt"]
    response = confirm(client, response)
    assert Meeting.objects.get().source_name == "a.txt"
    assert "Ikke erstattet: Beskæftigelses- og Socialudvalget 02-02-2021 findes allerede (b.txt)" in (
        response.content.decode()
    )


def test_uploaded_text_is_escaped(client, editor):
    text = make_minutes((1, "<script>alert('x')</script> & mere", "<b>Godkendt</b>. Indstillingen godkendes."))
    html = upload(client, ("x.txt", text.encode())).content.decode()
    assert "<script>alert" not in html and "<b>Godkendt</b>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; mere" in html


def test_upload_is_logged_with_user_and_sha256(client, editor):
    data = MINUTES_2021.read_bytes()
    confirm(client, upload(client, ("bsu.txt", data)))
    changed = data.replace(b"Teams-m", b"Teams m")
    confirm(client, upload(client, ("bsu-rettet.txt", changed)), 0)
    entries = list(LogEntry.objects.order_by("pk"))
    assert [(e.user, e.action_flag, e.object_repr) for e in entries] == [
        (editor, ADDITION, "Beskæftigelses- og Socialudvalget 02-02-2021"),
        (editor, CHANGE, "Beskæftigelses- og Socialudvalget 02-02-2021"),
    ]
    assert entries[0].change_message.startswith(
        f"Referat uploadet af redaktor: bsu.txt (SHA-256 {hashlib.sha256(data).hexdigest()}); mødet oprettet"
    )
    assert f"(SHA-256 {hashlib.sha256(changed).hexdigest()}); mødet erstattet" in entries[1].change_message
    # The meeting's history page in the admin shows it.
    history = client.get(f"/admin/decisions/meeting/{Meeting.objects.get().pk}/history/").content.decode()
    assert hashlib.sha256(changed).hexdigest() in history


def test_pending_upload_belongs_to_its_uploader_and_is_never_served(client, editor, settings):
    response = upload(client, ("bsu.txt", MINUTES_2021.read_bytes()))
    token = token_of(response)
    assert client.get(f"/media/pending/{token}/0").status_code == 404
    assert client.get(f"/media/minutes/../pending/{token}/0").status_code == 404
    other = User.objects.create_user("anden", password="pw", is_staff=True)
    other.groups.add(Group.objects.get(name="Redaktør"))
    client.force_login(other)
    response = client.post(UPLOAD, {"token": token}, follow=True)
    assert "Uploaden er udløbet eller allerede gemt" in response.content.decode()
    assert Meeting.objects.count() == 0


def test_stale_pending_uploads_are_removed(client, editor, settings):
    import os
    import time

    stale = Path(settings.MEDIA_ROOT) / "pending" / ("x" * 32)
    stale.mkdir(parents=True)
    (stale / "0").write_bytes(b"old")
    old = time.time() - 2 * 24 * 3600
    os.utime(stale, (old, old))
    upload(client, ("bsu.txt", MINUTES_2021.read_bytes()))
    assert not stale.exists()


def test_staff_outside_redaktor_cannot_upload_and_anonymous_must_log_in(client):
    anonymous = client.get(UPLOAD)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/admin/login/")
    assert upload(client, ("bsu.txt", MINUTES_2021.read_bytes())).status_code == 302
    staff = User.objects.create_user("staff", password="pw", is_staff=True)
    client.force_login(staff)
    assert client.get(UPLOAD).status_code == 403
    assert upload(client, ("bsu.txt", MINUTES_2021.read_bytes())).status_code == 403
    assert client.get("/admin/decisions/meeting/").status_code == 403
    # Even with a valid token from someone else's session there is nothing to confirm.
    assert client.post(UPLOAD, {"token": "a" * 32}).status_code == 403
    assert Meeting.objects.count() == 0


def test_upload_button_only_for_those_who_may_upload(client, editor):
    assert 'href="/admin/decisions/meeting/upload/"' in client.get("/admin/decisions/meeting/").content.decode()
    viewer = User.objects.create_user("laeser", password="pw", is_staff=True)
    viewer.user_permissions.add(*Group.objects.get(name="Redaktør").permissions.filter(codename="view_meeting"))
    client.force_login(viewer)
    assert 'href="/admin/decisions/meeting/upload/"' not in client.get("/admin/decisions/meeting/").content.decode()


def test_ingest_command_stores_pdf_originals_too(tmp_path, settings):
    folder = tmp_path / "referater"
    folder.mkdir()
    (folder / "bsu-2021.pdf").write_bytes(fixture_pdf(MINUTES_2021))
    (folder / "bsu-2017.txt").write_bytes(MINUTES_2017.read_bytes())
    call_command("ingest", str(folder), verbosity=0)
    originals = dict(Meeting.objects.values_list("source_name", "original_file"))
    assert originals["bsu-2021.pdf"].startswith("minutes/") and originals["bsu-2021.pdf"].endswith(".pdf")
    assert originals["bsu-2017.txt"].endswith(".txt")
    meeting = Meeting.objects.get(source_name="bsu-2021.pdf")
    assert meeting.original_file.read() == (folder / "bsu-2021.pdf").read_bytes()


def test_an_unchanged_file_supplies_a_missing_original(write_minutes):
    from decisions.services import ingest_meeting, read_minutes_file

    data = MINUTES_2021.read_bytes()
    text, parsed, _ = read_minutes_file(data, name="bsu.txt")
    ingest_meeting(parsed, source_name="bsu.txt", source_text=text, sha256=hashlib.sha256(data).hexdigest())
    assert not Meeting.objects.get().original_file
    assert ingest_file(write_minutes("bsu.txt", data)).status == "unchanged"
    assert Meeting.objects.get().original_file.read() == data


def test_meeting_page_offers_the_original_and_media_are_served_safely(client, editor):
    confirm(client, upload(client, ("bsu-2021.pdf", fixture_pdf(MINUTES_2021))))
    confirm(client, upload(client, ("bsu-2017.txt", MINUTES_2017.read_bytes())))
    pdf, txt = (Meeting.objects.get(date=date) for date in (dt.date(2021, 2, 2), dt.date(2017, 3, 28)))
    client.logout()
    html = client.get("/odense-kommune/meetings/beskaeftigelses-og-socialudvalget/2021-02-02/").content.decode()
    assert f'<a class="original" href="{pdf.original_file.url}">Original referat</a>' in html
    assert 'href="/odense-kommune/meetings/beskaeftigelses-og-socialudvalget/2021-02-02/referat.txt"' in html
    response = client.get(pdf.original_file.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert not response.get("Content-Disposition", "").startswith("attachment")
    # Shown inline, yet sandboxed like every other upload (security review, finding 9).
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    response = client.get(txt.original_file.url)
    assert response["Content-Disposition"] == f'attachment; filename="{txt.original_file.name.rsplit("/", 1)[1]}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(response.streaming_content) == MINUTES_2017.read_bytes()


def test_upload_without_files_says_so(client, editor):
    response = client.post(UPLOAD, {})
    assert response.status_code == 200
    assert "Dette felt er påkrævet." in response.content.decode()
    assert "Forhåndsvisning" not in response.content.decode()


def test_upload_and_confirm_need_the_csrf_token(editor):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert upload(client, ("bsu.txt", MINUTES_2021.read_bytes())).status_code == 403
    assert client.post(UPLOAD, {"token": "a" * 32}).status_code == 403
    page = client.get(UPLOAD)
    csrf = page.cookies["csrftoken"].value
    response = client.post(
        UPLOAD, {"csrfmiddlewaretoken": csrf, "files": [SimpleUploadedFile("bsu.txt", MINUTES_2021.read_bytes())]}
    )
    assert response.status_code == 200 and 'name="token"' in response.content.decode()


def test_a_failing_write_is_reported_and_the_other_files_still_written(client, editor, monkeypatch):
    from decisions import services

    real = services.ingest_meeting

    def failing(parsed, **kwargs):
        if parsed.date == dt.date(2021, 2, 2) and not kwargs.get("dry_run"):
            raise RuntimeError("disk full")
        return real(parsed, **kwargs)

    monkeypatch.setattr(services, "ingest_meeting", failing)
    response = upload(client, ("a.txt", MINUTES_2021.read_bytes()), ("b.txt", MINUTES_2017.read_bytes()))
    response = confirm(client, response)
    assert "Intet gemt fra a.txt: en uventet fejl" in response.content.decode()
    assert list(Meeting.objects.values_list("source_name", flat=True)) == ["b.txt"]


# --- one time budget for the files of one request (security review, finding 8) -------------

TOO_LONG = ("Det tog for lang tid at læse PDF-filen", "PDF took too long to read")


def budget_spent(seconds: str) -> tuple[str, None]:
    return (
        f"Tiden til at læse filerne i én upload ({seconds} sekunder) var brugt op, før filen blev læst; "
        "upload den igen for sig",
        None,
    )


def refusal(preview: str) -> tuple[str, str | None] | None:
    """A previewed file's error: the reason and the technical message, None without one."""
    box = re.search(r'<div class="errornote upload-error" role="alert">(.*?)</div>', preview, re.S)
    if box is None:
        return None
    technical = re.search(r'<code lang="en">(.*?)</code>', box[1])
    return re.search(r'<p class="reason"><strong>(.*?)</strong></p>', box[1])[1], technical and technical[1]


def test_slow_pdfs_are_refused_within_the_budget_and_the_good_file_is_kept(client, editor, settings):
    """The review's upload: two slow PDFs (100 pages of 20 000 text operators, about 50 KB) and
    a good file. The first PDF is read until the budget is spent and refused as too slow; the
    second is refused unread; the text file, last in the upload, is read first and kept."""
    settings.ARCHIVE_UPLOAD_SECONDS = 5
    slow = [pdfmaker.slow_pdf(letter=letter) for letter in "xy"]
    assert all(len(data) < 60_000 for data in slow) and slow[0] != slow[1]
    response = upload(
        client, ("langsom-1.pdf", slow[0]), ("langsom-2.pdf", slow[1]), ("godt.txt", MINUTES_2019.read_bytes())
    )
    assert response.status_code == 200
    previews = sections(response.content.decode())
    assert list(previews) == ["langsom-1.pdf", "langsom-2.pdf", "godt.txt"]
    assert refusal(previews["langsom-1.pdf"]) == TOO_LONG
    assert refusal(previews["langsom-2.pdf"]) == budget_spent("5")
    assert refusal(previews["godt.txt"]) is None
    assert "<dd>tirsdag 5. marts 2019 kl. 08:30</dd>" in previews["godt.txt"]
    assert 'name="replace-' not in response.content.decode()
    assert sorted(p.name for p in (Path(settings.MEDIA_ROOT) / "pending" / token_of(response)).iterdir()) == ["2"]

    response = confirm(client, response)
    assert [str(m) for m in response.context["messages"]] == [
        "Gemt: Beskæftigelses- og Socialudvalget 05-03-2019 fra godt.txt (16 punkter, 14 navngivne stemmer)."
    ]
    assert list(Meeting.objects.values_list("source_name", flat=True)) == ["godt.txt"]


def test_confirm_reads_the_files_again_within_the_budget(client, editor, settings):
    response = upload(client, ("bsu-2021.pdf", fixture_pdf(MINUTES_2021)), ("bsu-2017.txt", MINUTES_2017.read_bytes()))
    previews = sections(response.content.decode())
    assert [refusal(previews[name]) for name in ("bsu-2021.pdf", "bsu-2017.txt")] == [None, None]
    pending = Path(settings.MEDIA_ROOT) / "pending" / token_of(response)
    settings.ARCHIVE_UPLOAD_SECONDS = 0  # spent before the first file is read again
    response = confirm(client, response)
    spent = (
        "tiden til at læse filerne i én upload (0 sekunder) var brugt op, før filen blev læst; upload den igen for sig"
    )
    assert [str(m) for m in response.context["messages"]] == [
        f"Intet gemt fra bsu-2021.pdf: {spent}.",
        f"Intet gemt fra bsu-2017.txt: {spent}.",
    ]
    assert Meeting.objects.count() == 0
    assert not pending.exists()


def test_text_files_read_first_still_follow_the_upload_order(client, editor):
    """Which of two files of one meeting is the first is the upload's order, not the reading's."""
    changed = fixture_text(MINUTES_2021).replace("Teams-m", "Teams m").encode()
    response = upload(client, ("a.pdf", fixture_pdf(MINUTES_2021)), ("b.txt", changed))
    previews = sections(response.content.decode())
    assert list(previews) == ["a.pdf", "b.txt"]
    assert "Samme møde som a.pdf i denne upload" in previews["b.txt"]
    assert "Samme møde som" not in previews["a.pdf"]
    response = confirm(client, response)
    assert Meeting.objects.get().source_name == "a.pdf"
    assert "Ikke erstattet: Beskæftigelses- og Socialudvalget 02-02-2021 findes allerede (b.txt)" in (
        response.content.decode()
    )


def test_attachment_files_saved_together_share_the_budget(client, editor, ingested, settings):
    """Two files given to an item's attachments in one save: the slow PDF is read until the
    budget is spent, the other PDF is not read; both are kept, without text, and the editor told."""
    settings.ARCHIVE_UPLOAD_SECONDS = 2
    item = AgendaItem.objects.get(meeting__date=DATE_2019, number=2)
    url = f"/admin/decisions/agendaitem/{item.pk}/change/"
    post = form_data(client, url)
    post["attachments-0-file"] = SimpleUploadedFile("langsom.pdf", pdfmaker.slow_pdf())
    post["attachments-1-file"] = SimpleUploadedFile("bilag.pdf", attachment_pdf("Sagsbehandlingstider i uger."))
    response = client.post(url, post, follow=True)
    assert response.status_code == 200
    first, second = Attachment.objects.filter(item=item).order_by("position")
    assert (first.file.name.rsplit("/", 1)[1], first.text, first.text_note) == (
        "langsom.pdf",
        "",
        "PDF took too long to read",
    )
    assert (second.file.name.rsplit("/", 1)[1], second.text, second.text_note) == (
        "bilag.pdf",
        "",
        "PDF took too long to read",
    )
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert warnings == [
        f"{a.title}: filen er gemt, men der kunne ikke udtrækkes tekst til søgningen "
        "(det tog for lang tid at læse PDF-filen)."
        for a in (first, second)
    ]
    assert AgendaItem.objects.get(pk=item.pk).attachment_text == ""
