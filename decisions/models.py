"""The archive's data: committees, meetings, agenda items, cases, people and their votes."""

from __future__ import annotations

import secrets

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.functions import Collate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from decisions.minutes import types as minutes
from decisions.minutes.common import CASE_NUMBER_PATTERN
from decisions.parties import PARTY_LETTERS, validate_party_letter

# The one text-search configuration: stored vector, queries and headlines all use it.
SEARCH_CONFIG = "danish"


class Outcome(models.TextChoices):
    APPROVED = minutes.APPROVED, _("godkendt")
    APPROVED_WITH_CHANGES = minutes.APPROVED_WITH_CHANGES, _("godkendt med ændringer")
    RECOMMENDED = minutes.RECOMMENDED, _("anbefalet til byrådet")
    REJECTED = minutes.REJECTED, _("forkastet")
    DISCUSSED = minutes.DISCUSSED, _("drøftet")
    NOTED = minutes.NOTED, _("taget til efterretning")
    POSTPONED = minutes.POSTPONED, _("udsat")
    NONE = minutes.NO_DECISION, _("ingen beslutning")


class Position(models.TextChoices):
    FOR = minutes.FOR, _("for")
    AGAINST = minutes.AGAINST, _("imod")
    ABSTAIN = minutes.ABSTAIN, _("undlod at stemme")
    RESERVATION = minutes.RESERVATION, _("forbehold")
    ABSENT = minutes.ABSENT, _("fraværende")


class Category(models.TextChoices):
    A = "A", _("A-sag (byrådet beslutter)")
    B = "B", _("B-sag (udvalget beslutter)")
    C = "C", _("C-sag (drøftelse)")
    D = "D", _("D-sag (orientering)")


def _choice_check(field: str, choices: type[models.TextChoices], *, blank: bool = False) -> models.CheckConstraint:
    allowed = list(choices.values) + ([""] if blank else [])
    return models.CheckConstraint(condition=Q(**{f"{field}__in": allowed}), name=f"%(class)s_{field}_valid")


def _party_check() -> models.CheckConstraint:
    """A `party` column holds one party letter or "" (finding 7: the database refuses "/" too)."""
    return models.CheckConstraint(condition=Q(party__in=["", *PARTY_LETTERS]), name="%(class)s_party_letter")


class Kind(models.TextChoices):
    MINUTES = minutes.MINUTES, _("referat")
    AGENDA = minutes.AGENDA, _("dagsorden")


class Participation(models.TextChoices):
    PRESENT = minutes.PRESENT, _("til stede")
    ABSENT = minutes.ABSENT, _("fraværende")
    APOLOGIES = minutes.APOLOGIES, _("afbud")
    UNKNOWN = minutes.UNKNOWN, _("ikke oplyst")


class AbsenceReason(models.TextChoices):
    ABSENT = minutes.ABSENT, _("fraværende")
    APOLOGIES = minutes.APOLOGIES, _("afbud")


class Municipality(models.Model):
    """A municipality or region whose committees' meetings the archive holds."""

    name = models.CharField(_("navn"), max_length=200, unique=True)
    slug = models.SlugField(_("kort navn"), max_length=200, unique=True)
    # The official code (kommunekode, regionskode): Odense 461, Region Hovedstaden 1084.
    code = models.PositiveSmallIntegerField(_("officiel kode"), null=True, blank=True, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("kommune eller region")
        verbose_name_plural = _("kommuner og regioner")

    def __str__(self) -> str:
        return self.name


class Committee(models.Model):
    """A committee of one municipality, e.g. Odense's Beskæftigelses- og Socialudvalget."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("kommune"), on_delete=models.PROTECT, related_name="committees"
    )
    name = models.CharField(_("navn"), max_length=200)
    slug = models.SlugField(_("kort navn"), max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = _("udvalg")
        verbose_name_plural = _("udvalg")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="committee_name_per_municipality"),
            models.UniqueConstraint(fields=["municipality", "slug"], name="committee_slug_per_municipality"),
        ]
        indexes = [models.Index(fields=["slug"], name="committee_slug")]

    def __str__(self) -> str:
        return self.name


class CaseQuerySet(models.QuerySet):
    # Case numbers compared byte by byte (collation "C"), so that a prefix and the number order
    # use one index (case_number_bytes) under any database collation. LIKE 'prefix%' can use a
    # plain index only in collation C (not C.UTF-8): the case index walked every number before
    # the prefix in order, 0.4 s for "85.00" at 100 000 items.
    def _bytes(self) -> CaseQuerySet:
        return self.alias(number_bytes=Collate("number", "C"))

    def with_number_prefix(self, prefix: str) -> CaseQuerySet:
        """Cases whose number starts with `prefix`."""
        return self._bytes().filter(number_bytes__startswith=prefix)

    def in_number_order(self) -> CaseQuerySet:
        """Cases in number order, character by character (Å Æ Ø after Z, in code point order)."""
        return self._bytes().order_by("number_bytes")


class Case(models.Model):
    """A case number of one municipality, as it writes them (15.00.00-G01-193-17, 12/27845,
    2012-28504, 299835), which can recur across meetings. KLE-shaped numbers keep their parts."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("kommune"), on_delete=models.PROTECT, related_name="cases"
    )
    number = models.CharField(_("sagsnummer"), max_length=40)
    kle = models.CharField(_("KLE-emne"), max_length=8, blank=True)
    facet = models.CharField(_("handlingsfacet"), max_length=3, blank=True)
    serial = models.PositiveIntegerField(_("løbenummer"), null=True, blank=True)
    year = models.CharField(_("år"), max_length=2, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        verbose_name = _("sag")
        verbose_name_plural = _("sager")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "number"], name="case_number_per_municipality"),
            # Normalized (no spaces, capitals) and no junk: decisions.minutes.common.CASE_NUMBER.
            models.CheckConstraint(condition=Q(number__regex=CASE_NUMBER_PATTERN), name="case_number_valid"),
        ]
        indexes = [
            models.Index(Collate("number", "C"), name="case_number_bytes"),  # see CaseQuerySet
            # Partial numbers typed into search ("193-17") are infixes: trigram index.
            GinIndex(fields=["number"], name="case_number_trgm", opclasses=["gin_trgm_ops"]),
        ]

    def __str__(self) -> str:
        return self.number


class Person(models.Model):
    """A councillor of one municipality, under one canonical name; other spellings are aliases.
    The same name in two municipalities is two people."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("kommune"), on_delete=models.PROTECT, related_name="persons"
    )
    name = models.CharField(_("navn"), max_length=200)
    slug = models.SlugField(_("kort navn"), max_length=200)
    party = models.CharField(_("parti"), max_length=1, blank=True, validators=[validate_party_letter])

    class Meta:
        ordering = ["name"]
        verbose_name = _("person")
        verbose_name_plural = _("personer")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "slug"], name="person_slug_per_municipality"),
            _party_check(),
        ]
        indexes = [models.Index(fields=["slug"], name="person_slug")]

    def __str__(self) -> str:
        return f"{self.name} ({self.party})" if self.party else self.name


class PersonAlias(models.Model):
    """A spelling of a person's name as printed in some minutes."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(_("stavemåde"), max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = _("stavemåde")
        verbose_name_plural = _("stavemåder")
        constraints = [models.UniqueConstraint(fields=["person", "name"], name="alias_unique_per_person")]
        indexes = [models.Index(fields=["name"], name="alias_name")]

    def __str__(self) -> str:
        return self.name


class PersonSlugRedirect(models.Model):
    """The URL slug of a person merged into another, kept so that links to the old page still lead to them."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("kommune"), on_delete=models.CASCADE, related_name="person_slug_redirects"
    )
    old_slug = models.SlugField(_("tidligere kort navn"), max_length=200)
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="old_slugs")

    class Meta:
        ordering = ["old_slug"]
        verbose_name = _("tidligere kort navn")
        verbose_name_plural = _("tidligere korte navne")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "old_slug"], name="person_old_slug_per_municipality"),
        ]

    def __str__(self) -> str:
        return self.old_slug


class Membership(models.Model):
    """A person's seat on a committee in one term: derived from the minutes unless an editor set it."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("udvalg"), on_delete=models.CASCADE, related_name="memberships"
    )
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="memberships")
    term = models.CharField(_("valgperiode"), max_length=9)
    role = models.CharField(_("rolle"), max_length=40, blank=True)
    derived = models.BooleanField(_("afledt af referaterne"), default=True)

    class Meta:
        ordering = ["committee", "-term", "person__name"]
        verbose_name = _("udvalgsmedlemskab")
        verbose_name_plural = _("udvalgsmedlemskaber")
        constraints = [
            models.UniqueConstraint(fields=["committee", "person", "term"], name="membership_once_per_term"),
            models.CheckConstraint(condition=Q(term__regex=r"^\d{4}-\d{4}$"), name="membership_term_years"),
        ]

    def __str__(self) -> str:
        return f"{self.person} i {self.committee} {self.term}"


class Meeting(models.Model):
    """One meeting of a committee, identified by committee and date: its agenda until the
    minutes arrive and replace it in place (same row, same URLs)."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("udvalg"), on_delete=models.PROTECT, related_name="meetings"
    )
    date = models.DateField(_("dato"))
    start_time = models.TimeField(_("starttidspunkt"), null=True, blank=True)
    location = models.CharField(_("mødested"), max_length=500, blank=True)
    term = models.CharField(_("valgperiode"), max_length=9)
    kind = models.CharField(_("dokument"), max_length=8, choices=Kind.choices, default=Kind.MINUTES)
    # The reader that read the source: odense, acadre, edoc, publication (decisions.minutes.formats).
    source_format = models.CharField(_("kildeformat"), max_length=20, default="odense")
    source_name = models.CharField(_("kildefil"), max_length=255)
    source_sha256 = models.CharField(_("SHA-256 af kildefil"), max_length=64)
    source_text = models.TextField(_("referatets tekst"))
    original_file = models.FileField(_("originalt referat"), upload_to="minutes/%Y/", blank=True)
    # The archive generation whose transaction wrote the meeting's content (0: loaded in bulk,
    # never alerted). Generations commit in order (their row is locked until commit), so
    # `send_alerts` finds what is new since it last looked without missing a slow writer.
    written_generation = models.BigIntegerField(_("skrevet i generation"), default=0, editable=False)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)

    class Meta:
        ordering = ["-date", "committee__name"]
        verbose_name = _("møde")
        verbose_name_plural = _("møder")
        permissions = [("upload_minutes", _("Kan uploade referater"))]
        constraints = [
            models.UniqueConstraint(fields=["committee", "date"], name="meeting_unique_committee_date"),
            models.CheckConstraint(condition=Q(source_sha256__regex=r"^[0-9a-f]{64}$"), name="meeting_sha256_hex"),
            models.CheckConstraint(condition=Q(term__regex=r"^\d{4}-\d{4}$"), name="meeting_term_years"),
            _choice_check("kind", Kind),
        ]
        indexes = [
            models.Index(fields=["-date"], name="meeting_date_desc"),
            models.Index(fields=["written_generation"], name="meeting_written_generation"),
        ]

    def __str__(self) -> str:
        return f"{self.committee} {self.date:%d-%m-%Y}"


class MeetingAbsence(models.Model):
    """A member absent from the whole meeting ("deltog ikke i mødet")."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("møde"), on_delete=models.CASCADE, related_name="absences")
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="meeting_absences"
    )
    # The name as printed: the spelling a merged person can be split off by again.
    printed_name = models.CharField(_("navn som trykt"), max_length=200, blank=True, default="")
    party = models.CharField(_("parti som trykt"), max_length=1, blank=True, validators=[validate_party_letter])
    role = models.CharField(_("rolle som trykt"), max_length=40, blank=True)
    # Absent, or sent apologies (afbud): from the meeting's member list where the format has one.
    reason = models.CharField(_("årsag"), max_length=10, choices=AbsenceReason.choices, default=AbsenceReason.ABSENT)
    sentence = models.TextField(_("kildesætning"))
    # 0: not printed in the minutes (added by an editor).
    line = models.PositiveIntegerField(_("linje"), default=0)

    class Meta:
        verbose_name = _("fravær fra møde")
        verbose_name_plural = _("fravær fra møder")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="absence_once_per_meeting"),
            _choice_check("reason", AbsenceReason),
            _party_check(),
        ]

    def __str__(self) -> str:
        return f"{self.person} fraværende {self.meeting}"


class MeetingMember(models.Model):
    """A member on the meeting's member list (Acadre, Publication, FirstAgenda), and whether
    they took part: the committee's membership comes from these lists where a format has them."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("møde"), on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="meeting_memberships"
    )
    printed_name = models.CharField(_("navn som trykt"), max_length=200)
    party = models.CharField(_("parti som trykt"), max_length=1, blank=True, validators=[validate_party_letter])
    role = models.CharField(_("rolle som trykt"), max_length=40, blank=True)
    status = models.CharField(_("deltagelse"), max_length=10, choices=Participation.choices)
    position = models.PositiveSmallIntegerField(_("rækkefølge"))

    class Meta:
        ordering = ["meeting", "position"]
        verbose_name = _("mødedeltager")
        verbose_name_plural = _("mødedeltagere")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="member_once_per_meeting"),
            _choice_check("status", Participation),
            _party_check(),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.get_status_display()}"


def _weighted_sections(kinds: tuple[str, ...], weight: str) -> str:
    condition = " || ".join(f'@.kind == "{kind}"' for kind in kinds)
    return (
        f"setweight(jsonb_to_tsvector('{SEARCH_CONFIG}'::regconfig, "
        f"jsonb_path_query_array(%(sections)s, '$[*] ? ({condition}).text'), '[\"string\"]'), '{weight}')"
    )


class ItemSearchVector(Func):
    """The weighted document of an item: title and case number (A), resume and decision (B),
    recommendation and the other sections (C), text of attached files (D).

    Recommendation and the rest share C so that attachments, which are not minutes text,
    rank below all of the minutes (PostgreSQL has four weights).
    """

    vector_template = " || ".join(
        [
            f"setweight(to_tsvector('{SEARCH_CONFIG}'::regconfig, "
            "coalesce(%(title)s, '') || ' ' || coalesce(%(case_number)s, '')), 'A')",
            _weighted_sections((minutes.RESUME, minutes.BESLUTNING), "B"),
            _weighted_sections(
                (minutes.INDSTILLING, minutes.EFFEKT, minutes.SAGSFREMSTILLING, minutes.OEKONOMI, minutes.BILAG), "C"
            ),
            f"setweight(to_tsvector('{SEARCH_CONFIG}'::regconfig, coalesce(%(attachment_text)s, '')), 'D')",
        ]
    )

    def __init__(self) -> None:
        super().__init__(
            F("title"), F("case_number"), F("sections"), F("attachment_text"), output_field=SearchVectorField()
        )

    def as_sql(self, compiler, connection, **extra_context):
        title, case_number, sections, attachment_text = (compiler.compile(e) for e in self.source_expressions)
        sql = self.vector_template % {
            "title": title[0],
            "case_number": case_number[0],
            "sections": sections[0],
            "attachment_text": attachment_text[0],
        }
        return sql, (*title[1], *case_number[1], *sections[1], *attachment_text[1])


class WordPairs(Func):
    """The pairs of neighbouring words of a search vector, as one lexeme each (`regnskab
    årsberetning`, or `ansøgning _ midl` over one stop word): see migration 0007."""

    function = "archive_word_pairs"
    output_field = SearchVectorField()


# What a list of items (search results, a person's record, a party's votes) never shows: left
# in the database, not fetched and decoded for every row (a JSON field is parsed on load).
LISTED_ITEM_DEFERRED = (
    "sections",
    "attachment_text",
    "search_vector",
    "earlier_decisions",
    "tallies",
    "protocol_notes",
)


class AgendaItem(models.Model):
    """One numbered item ("Punkt N") of a meeting, with its sections in printed order."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("møde"), on_delete=models.CASCADE, related_name="items")
    # Copied from the meeting (its natural key, never edited) so that searches can order and
    # pick the newest matches through one index, without joining the meetings.
    meeting_date = models.DateField(_("mødedato"))
    number = models.PositiveSmallIntegerField(_("punkt"))
    title = models.CharField(_("titel"), max_length=1000)
    toc_title = models.CharField(_("titel i indholdsfortegnelsen"), max_length=1000, blank=True)
    category = models.CharField(_("kategori"), max_length=1, choices=Category.choices, blank=True)
    case = models.ForeignKey(
        Case, verbose_name=_("sag"), on_delete=models.PROTECT, related_name="items", null=True, blank=True
    )
    # Copied from `case` so that the database can keep the search vector current by itself.
    case_number = models.CharField(_("sagsnummer"), max_length=40, blank=True)
    # [{"kind": "resume", "heading": "Resume", "text": "…"}, …] in printed order.
    sections = models.JSONField(_("afsnit"), default=list)
    outcome = models.CharField(_("udfald"), max_length=24, choices=Outcome.choices, default=Outcome.NONE)
    # {"ændringsforslaget": "rejected", …}: how each voted subject was decided, as printed.
    subject_outcomes = models.JSONField(_("udfald pr. afstemningsemne"), default=dict, blank=True)
    # [{"committee": "Børn- og Ungeudvalget", "sentence": "…"}]: another committee's decision in this item.
    other_committees = models.JSONField(_("andre udvalgs beslutninger"), default=list, blank=True)
    # Closed items (Lukket punkt): number and title only, nothing else of theirs is stored.
    closed = models.BooleanField(_("lukket punkt"), default=False)
    # [{"date": "2013-04-10", "body": "Udvalget for …", "text": "…"}]: earlier treatments of the case.
    earlier_decisions = models.JSONField(_("tidligere beslutninger"), default=list, blank=True)
    # [{"subject": "indstillingen", "for": 42, "against": 4, "abstain": null, "sentence": "…"}]: counts as printed.
    tallies = models.JSONField(_("stemmetal"), default=list, blank=True)
    protocol_notes = models.JSONField(_("protokolbemærkninger"), default=list, blank=True)
    # Text extracted from attached PDF files, searched below the minutes themselves.
    attachment_text = models.TextField(_("tekst fra bilagsfiler"), blank=True, default="")
    search_vector = models.GeneratedField(
        expression=ItemSearchVector(), output_field=SearchVectorField(), db_persist=True
    )

    class Meta:
        ordering = ["meeting", "number"]
        verbose_name = _("dagsordenspunkt")
        verbose_name_plural = _("dagsordenspunkter")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="item_unique_number_per_meeting"),
            _choice_check("category", Category, blank=True),
            _choice_check("outcome", Outcome),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="item_search_vector_gin"),
            # The pairs of neighbouring words, so that a phrase is checked only against the
            # items that have its words next to each other (search.matching). An index on an
            # expression of the stored vector: the pairs are not stored in the rows.
            GinIndex(WordPairs(F("search_vector")), name="item_phrase_pairs_gin"),
            models.Index(fields=["meeting_date"], name="item_meeting_date"),
            # "Did you mean" suggestions compare the query with titles by trigram similarity.
            GinIndex(fields=["title"], name="item_title_trgm", opclasses=["gin_trgm_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.meeting}: {self.number}. {self.title}"

    def section_text(self, kind: str) -> str:
        return "\n\n".join(s["text"] for s in self.sections if s["kind"] == kind)

    @property
    def decision(self) -> str:
        return self.section_text(minutes.BESLUTNING)


class Vote(models.Model):
    """One named councillor's position on one subject of an item (item-level absence included)."""

    item = models.ForeignKey(
        AgendaItem, verbose_name=_("dagsordenspunkt"), on_delete=models.CASCADE, related_name="votes"
    )
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="votes")
    # The name as printed: the spelling a merged person can be split off by again.
    printed_name = models.CharField(_("navn som trykt"), max_length=200, blank=True, default="")
    position = models.CharField(_("stilling"), max_length=12, choices=Position.choices)
    subject = models.CharField(_("emne"), max_length=500, blank=True)
    party = models.CharField(_("parti som trykt"), max_length=1, blank=True, validators=[validate_party_letter])
    role = models.CharField(_("rolle som trykt"), max_length=40, blank=True)
    sentence = models.TextField(_("kildesætning"))
    # 0: not printed in the minutes (added by an editor).
    line = models.PositiveIntegerField(_("linje"), default=0)

    class Meta:
        ordering = ["item", "line", "id"]
        verbose_name = _("stemme")
        verbose_name_plural = _("stemmer")
        constraints = [
            _choice_check("position", Position),
            models.UniqueConstraint(fields=["item", "person", "subject", "position"], name="vote_once_per_subject"),
            _party_check(),
        ]
        indexes = [models.Index(fields=["person", "item"], name="vote_person_item")]

    def __str__(self) -> str:
        return f"{self.person}: {self.get_position_display()} {self.subject}".strip()


class BlocVote(models.Model):
    """A position stated for party letters without names; never expanded into people."""

    item = models.ForeignKey(
        AgendaItem, verbose_name=_("dagsordenspunkt"), on_delete=models.CASCADE, related_name="bloc_votes"
    )
    parties = ArrayField(models.CharField(max_length=1, validators=[validate_party_letter]), verbose_name=_("partier"))
    label = models.CharField(_("flertal/mindretal"), max_length=20, blank=True)
    position = models.CharField(_("stilling"), max_length=12, choices=Position.choices)
    subject = models.CharField(_("emne"), max_length=500, blank=True)
    sentence = models.TextField(_("kildesætning"))
    # 0: not printed in the minutes (added by an editor).
    line = models.PositiveIntegerField(_("linje"), default=0)

    class Meta:
        ordering = ["item", "line", "id"]
        verbose_name = _("partiafstemning")
        verbose_name_plural = _("partiafstemninger")
        constraints = [
            _choice_check("position", Position),
            models.CheckConstraint(condition=Q(parties__len__gt=0), name="blocvote_has_parties"),
            # Each element a party letter (finding 7); NULL or "" elements are refused too.
            models.CheckConstraint(
                condition=Q(parties__contained_by=list(PARTY_LETTERS)), name="blocvote_party_letters"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} {', '.join(self.parties)}: {self.get_position_display()} {self.subject}".strip()


class Attachment(models.Model):
    """An attachment ("Bilag") listed under an item, optionally with its file."""

    item = models.ForeignKey(
        AgendaItem, verbose_name=_("dagsordenspunkt"), on_delete=models.CASCADE, related_name="attachments"
    )
    position = models.PositiveSmallIntegerField(_("rækkefølge"))
    title = models.CharField(_("titel"), max_length=1000)
    file = models.FileField(_("fil"), upload_to="attachments/%Y/", blank=True)
    text = models.TextField(_("udtrukket tekst"), blank=True, default="")
    # Why a file has no text (a legacy .doc, a scanned PDF): shown to editors.
    text_note = models.CharField(_("bemærkning om teksten"), max_length=300, blank=True, default="")

    class Meta:
        ordering = ["item", "position"]
        verbose_name = _("bilag")
        verbose_name_plural = _("bilag")
        constraints = [models.UniqueConstraint(fields=["item", "position"], name="attachment_unique_position")]

    def __str__(self) -> str:
        return self.title


class ArchiveGeneration(models.Model):
    """One row: a number that every change to the archive's rows raises, in the writing
    transaction (decisions.signals). Cached pages and summaries are keyed by it. It lived in
    the cache once, where `cache.incr` saved it back with the default 300 s timeout: when it
    expired it started again at 1, and pages cached under generation 1 were served again."""

    value = models.BigIntegerField(default=1)
    # When the archive last changed: the Last-Modified of its public pages.
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("arkivets generation")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="archive_generation_one_row")]

    def __str__(self) -> str:
        return str(self.value)


class HarvestKind(models.TextChoices):
    FIRSTAGENDA = "firstagenda", _("FirstAgenda Publication")


class HarvestSource(models.Model):
    """A municipality's publishing site that `manage.py harvest` fetches meetings from."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("kommune eller region"), on_delete=models.PROTECT, related_name="harvest_sources"
    )
    kind = models.CharField(_("slags"), max_length=20, choices=HarvestKind.choices, default=HarvestKind.FIRSTAGENDA)
    base_url = models.URLField(_("adresse"), max_length=300, unique=True)
    enabled = models.BooleanField(_("hentes"), default=True)
    last_run_at = models.DateTimeField(_("sidst hentet"), null=True, blank=True)
    last_result = models.TextField(_("resultat af sidste hentning"), blank=True, default="")

    class Meta:
        ordering = ["municipality__name", "base_url"]
        verbose_name = _("kilde til hentning")
        verbose_name_plural = _("kilder til hentning")
        constraints = [_choice_check("kind", HarvestKind)]

    def __str__(self) -> str:
        return f"{self.municipality} ({self.base_url})"


class HarvestedMeeting(models.Model):
    """What `manage.py harvest` fetched of one meeting of a source, written in the same
    transaction as the meeting itself: the release it saw (ReleasedDate as the site wrote it)."""

    source = models.ForeignKey(
        HarvestSource, verbose_name=_("kilde"), on_delete=models.CASCADE, related_name="harvested"
    )
    remote_id = models.CharField(_("id hos kilden"), max_length=100)
    released = models.CharField(_("offentliggjort (ReleasedDate)"), max_length=60, blank=True, default="")
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("møde"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    fetched_at = models.DateTimeField(_("hentet"), default=timezone.now)

    class Meta:
        ordering = ["source", "-fetched_at"]
        verbose_name = _("hentet møde")
        verbose_name_plural = _("hentede møder")
        constraints = [
            models.UniqueConstraint(fields=["source", "remote_id"], name="harvestedmeeting_unique_remote_id")
        ]

    def __str__(self) -> str:
        return self.remote_id


def _nonce() -> str:
    return secrets.token_urlsafe(12)


class AlertKind(models.TextChoices):
    SEARCH = "search", _("søgning")
    CASE = "case", _("sag")
    PERSON = "person", _("person")
    COMMITTEE = "committee", _("udvalg")


class AlertSchedule(models.TextChoices):
    IMMEDIATE = "immediate", _("straks, når nye referater er hentet")
    DAILY = "daily", _("dagligt")
    WEEKLY = "weekly", _("ugentligt")


class AlertAddress(models.Model):
    """An e-mail address that follows something (decisions.alerts). Deleted with its last
    subscription: the archive keeps no address that follows nothing."""

    email = models.EmailField(_("e-mailadresse"), max_length=254, unique=True)
    # In every signed link to the address's page: a new nonce ends every link sent before.
    nonce = models.CharField(max_length=24, default=_nonce, editable=False)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)

    class Meta:
        ordering = ["email"]
        verbose_name = _("e-mailadresse med besked")
        verbose_name_plural = _("e-mailadresser med besked")

    def __str__(self) -> str:
        return self.email


class AlertSubscription(models.Model):
    """One address following one search, case, person or committee by e-mail."""

    address = models.ForeignKey(
        AlertAddress, verbose_name=_("adresse"), on_delete=models.CASCADE, related_name="subscriptions"
    )
    kind = models.CharField(_("følger"), max_length=10, choices=AlertKind.choices)
    # A search: its words as typed and its filters ({"committee": "okonomiudvalget", …}).
    search_query = models.CharField(_("søgeord"), max_length=300, blank=True, default="")
    search_filters = models.JSONField(_("filtre"), default=dict, blank=True)
    case = models.ForeignKey(Case, verbose_name=_("sag"), on_delete=models.CASCADE, null=True, blank=True)
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, null=True, blank=True)
    committee = models.ForeignKey(Committee, verbose_name=_("udvalg"), on_delete=models.CASCADE, null=True, blank=True)
    # What is followed, as one string: one subscription per address and target.
    target = models.CharField(_("mål"), max_length=700)
    schedule = models.CharField(_("hyppighed"), max_length=10, choices=AlertSchedule.choices)
    nonce = models.CharField(max_length=24, default=_nonce, editable=False)
    created_at = models.DateTimeField(_("oprettet"), default=timezone.now)
    # Empty while the confirmation e-mail is still to be sent (send_alerts tries again).
    confirmation_sent_at = models.DateTimeField(_("bekræftelse sendt"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("bekræftet"), null=True, blank=True)
    # Meetings written up to this archive generation have been looked at (Meeting.written_generation).
    checked_generation = models.BigIntegerField(_("set til generation"), default=0)
    checked_at = models.DateTimeField(_("sidst set efter"), null=True, blank=True)
    last_sent_at = models.DateTimeField(_("sidst sendt"), null=True, blank=True)

    class Meta:
        ordering = ["address", "created_at"]
        verbose_name = _("abonnement på besked")
        verbose_name_plural = _("abonnementer på besked")
        constraints = [
            models.UniqueConstraint(fields=["address", "target"], name="alert_once_per_target"),
            _choice_check("kind", AlertKind),
            _choice_check("schedule", AlertSchedule),
            models.CheckConstraint(
                condition=(
                    Q(kind=AlertKind.SEARCH, case__isnull=True, person__isnull=True, committee__isnull=True)
                    | Q(kind=AlertKind.CASE, case__isnull=False, person__isnull=True, committee__isnull=True)
                    | Q(kind=AlertKind.PERSON, case__isnull=True, person__isnull=False, committee__isnull=True)
                    | Q(kind=AlertKind.COMMITTEE, case__isnull=True, person__isnull=True, committee__isnull=False)
                ),
                name="alert_one_target",
            ),
        ]
        indexes = [models.Index(fields=["confirmed_at", "schedule"], name="alert_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.target}"


class AlertSent(models.Model):
    """What one subscription has been sent: an item (by its meeting and number, which survive
    a re-read of the minutes) or a whole meeting (number 0), as an agenda or as minutes. An
    item is sent once as an agenda and once more when its decision arrives, never again."""

    subscription = models.ForeignKey(AlertSubscription, on_delete=models.CASCADE, related_name="sent")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("sendt besked")
        verbose_name_plural = _("sendte beskeder")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "meeting", "number", "kind"], name="alert_sent_once")
        ]

    def __str__(self) -> str:
        return f"{self.meeting} {self.number} ({self.kind})"
