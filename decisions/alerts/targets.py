"""What an alert follows: a search (its words and filters, as on the search page), a case, a
person or a committee. Read from the subscribe form's fields, checked against the archive, and
described in Danish for the pages and e-mails."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.http import urlencode
from django.utils.translation import gettext as _

from decisions import records
from decisions import search as item_search
from decisions.filters import ItemFilter, filter_choices
from decisions.minutes.parser import normalize_case_number
from decisions.models import AlertKind, AlertSubscription, Case, Category, Committee, Municipality, Outcome, Person

# The search page's filters a search alert keeps (ItemFilter); paging and order are the page's own.
SEARCH_FILTERS = ("municipality", "committee", "year", "category", "outcome", "votes")


class InvalidTarget(Exception):
    """The form names nothing the archive can follow; `message` says why, in Danish."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Target:
    kind: str
    key: str  # AlertSubscription.target: one subscription per address and key
    search_query: str = ""
    search_filters: dict[str, str] = field(default_factory=dict)
    case: Case | None = None
    person: Person | None = None
    committee: Committee | None = None

    def fields(self) -> dict:
        """The AlertSubscription fields that name the target."""
        return {
            "kind": self.kind,
            "target": self.key,
            "search_query": self.search_query,
            "search_filters": self.search_filters,
            "case": self.case,
            "person": self.person,
            "committee": self.committee,
        }


def _text(data: Mapping, name: str, limit: int = 200) -> str:
    return " ".join(records.printable(str(data.get(name) or ""), limit=limit).split())


def search_target(data: Mapping) -> Target:
    """The search page's query and filters; refused as the page would refuse them."""
    query = _text(data, "q", item_search.MAX_QUERY_CHARS)
    filters = {name: _text(data, name) for name in SEARCH_FILTERS if _text(data, name)}
    committees, municipalities = filter_choices()
    filterset = ItemFilter(filters, committee_choices=committees, municipality_choices=municipalities)
    filterset.is_valid()
    # As the search page does: a filter value it cannot use (an error, or `votes=ja`, which
    # django-filter reads as no filter) is left out, the rest apply, as they clean.
    cleaned = {name: filterset.form.cleaned_data.get(name) for name in filters if name not in filterset.errors}
    filters = {
        name: ("true" if value else "false") if name == "votes" else filters[name]
        for name, value in cleaned.items()
        if value not in (None, "")
    }
    filterset = ItemFilter(filters, committee_choices=committees, municipality_choices=municipalities)
    parsed = item_search.parse_query(query)
    if parsed.only_exclusions:
        raise InvalidTarget(str(item_search.ONLY_EXCLUSIONS))
    if parsed.is_empty and not filters:
        raise InvalidTarget(_("Skriv et søgeord eller vælg et filter, før du beder om besked."))
    try:
        item_search.refuse_costly(parsed, lambda: filterset.filter_queryset(filterset.queryset))
    except item_search.QueryRefused as refused:
        raise InvalidTarget(refused.message) from None
    # Searches ignore case: "Skole" and "skole" are one search to follow.
    key = "search:" + urlencode([("q", query.lower()), *sorted(filters.items())])
    return Target(AlertKind.SEARCH, key, search_query=query, search_filters=filters)


def target_from_data(data: Mapping) -> Target:
    """The target a subscribe form names (kind plus its fields); InvalidTarget if none."""
    kind = _text(data, "kind", 20)
    if kind == AlertKind.SEARCH:
        return search_target(data)
    municipality = _text(data, "municipality")
    if kind == AlertKind.CASE:
        number = normalize_case_number(_text(data, "number", 60))
        case = Case.objects.select_related("municipality").filter(municipality__slug=municipality, number=number)
        if case.first() is None:
            raise InvalidTarget(_("Sagen findes ikke i arkivet."))
        return Target(kind, f"case:{case.first().pk}", case=case.first())
    if kind == AlertKind.PERSON:
        slug = _text(data, "person")
        people = Person.objects.select_related("municipality").filter(municipality__slug=municipality)
        # A page cached before a merge names the merged person's old slug (PersonSlugRedirect).
        person = people.filter(slug=slug).first() or people.filter(old_slugs__old_slug=slug).first()
        if person is None:
            raise InvalidTarget(_("Personen findes ikke i arkivet."))
        return Target(kind, f"person:{person.pk}", person=person)
    if kind == AlertKind.COMMITTEE:
        committee = (
            Committee.objects.select_related("municipality")
            .filter(municipality__slug=municipality, slug=_text(data, "committee"))
            .first()
        )
        if committee is None:
            raise InvalidTarget(_("Udvalget findes ikke i arkivet."))
        return Target(kind, f"committee:{committee.pk}", committee=committee)
    raise InvalidTarget(_("Vælg en søgning, en sag, en person eller et udvalg at følge."))


def _filter_label(name: str, value: str) -> str:
    if name == "municipality":
        municipality = Municipality.objects.filter(slug=value).first()
        return municipality.name if municipality else value
    if name == "committee":
        committee = Committee.objects.filter(slug=value).first()
        return committee.name if committee else value
    if name == "year":
        return value
    if name == "category":
        return str(dict(Category.choices).get(value, value))
    if name == "outcome":
        return str(dict(Outcome.choices).get(value, value))
    if name == "votes":
        return _("med navngivne stemmer") if value.lower() in ("true", "1", "yes") else _("uden navngivne stemmer")
    return value


def describe(subscription: AlertSubscription) -> str:
    """What the subscription follows, in Danish: 'søgningen "skole" (Økonomiudvalget, 2024)'."""
    if subscription.kind == AlertKind.CASE:
        case = subscription.case
        return _("sag %(number)s, %(municipality)s") % {"number": case.number, "municipality": case.municipality}
    if subscription.kind == AlertKind.PERSON:
        person = subscription.person
        return _("%(name)s, %(municipality)s") % {"name": person.name, "municipality": person.municipality}
    if subscription.kind == AlertKind.COMMITTEE:
        committee = subscription.committee
        return _("%(committee)s, %(municipality)s") % {
            "committee": committee.name,
            "municipality": committee.municipality,
        }
    filters = ", ".join(_filter_label(name, value) for name, value in sorted(subscription.search_filters.items()))
    if subscription.search_query:
        text = _("søgningen “%(query)s”") % {"query": subscription.search_query}
        return f"{text} ({filters})" if filters else text
    return _("alle beslutninger (%(filters)s)") % {"filters": filters}


def search_parameters(subscription: AlertSubscription) -> str:
    """The search page's query string for a search subscription."""
    pairs = [("q", subscription.search_query)] if subscription.search_query else []
    return urlencode(pairs + sorted(subscription.search_filters.items()))


def search_fields(data: Mapping) -> list[tuple[str, str]]:
    """The subscribe form's hidden fields (but its kind) for the search a page shows (its query string)."""
    fields = [("q", _text(data, "q", item_search.MAX_QUERY_CHARS))]
    return fields + [(name, _text(data, name)) for name in SEARCH_FILTERS if _text(data, name)]


def form_fields(target: Target) -> list[tuple[str, str]]:
    """The subscribe form's hidden fields that name `target` again."""
    if target.kind == AlertKind.SEARCH:
        return [("kind", target.kind), ("q", target.search_query), *sorted(target.search_filters.items())]
    if target.kind == AlertKind.CASE:
        return [("kind", target.kind), ("municipality", target.case.municipality.slug), ("number", target.case.number)]
    if target.kind == AlertKind.PERSON:
        return [
            ("kind", target.kind),
            ("municipality", target.person.municipality.slug),
            ("person", target.person.slug),
        ]
    committee = target.committee
    return [("kind", target.kind), ("municipality", committee.municipality.slug), ("committee", committee.slug)]
