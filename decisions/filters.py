"""Search filters (django-filter): municipality, committee, year, category, outcome, named votes."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from decisions.models import AgendaItem, Category, Committee, Outcome, Position, Vote

NAMED_POSITIONS = [Position.FOR, Position.AGAINST, Position.ABSTAIN, Position.RESERVATION]


def filter_choices() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The committee and the municipality choices, from one query of the committees (every
    search page, feed and API answer needs both).

    One choice per committee slug: a slug names the committees of that name in every
    municipality, unless the municipality filter narrows it to one."""
    committees: dict[str, str] = {}
    municipalities: dict[str, str] = {}
    rows = Committee.objects.order_by("slug", "name").values_list(
        "slug", "name", "municipality__slug", "municipality__name"
    )
    for slug, name, municipality_slug, municipality_name in rows:
        committees.setdefault(slug, name)
        municipalities.setdefault(municipality_slug, municipality_name)
    return list(committees.items()), sorted(municipalities.items(), key=lambda m: m[1])


class ItemFilter(django_filters.FilterSet):
    """Filters shared by the search page, its feed and its API twin; unknown values are ignored."""

    municipality = django_filters.ChoiceFilter(
        field_name="meeting__committee__municipality__slug", label=_("Kommune eller region")
    )
    committee = django_filters.ChoiceFilter(field_name="meeting__committee__slug", label=_("Udvalg"))
    year = django_filters.NumberFilter(field_name="meeting_date__year", label=_("År"), min_value=1900, max_value=2200)
    category = django_filters.ChoiceFilter(choices=Category.choices, label=_("Kategori"))
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices, label=_("Udfald"))
    votes = django_filters.BooleanFilter(method="filter_votes", label=_("Med navngivne stemmer"))

    class Meta:
        model = AgendaItem
        fields = ["municipality", "committee", "year", "category", "outcome", "votes"]

    def __init__(
        self,
        *args,
        committee_choices: list[tuple[str, str]] | None = None,
        municipality_choices: list[tuple[str, str]] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        if committee_choices is None or municipality_choices is None:
            committee_choices, municipality_choices = filter_choices()
        self.filters["committee"].extra["choices"] = committee_choices
        self.filters["municipality"].extra["choices"] = municipality_choices

    def filter_votes(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        named = Vote.objects.filter(item=OuterRef("pk"), position__in=NAMED_POSITIONS)
        return queryset.filter(Exists(named)) if value else queryset.exclude(Exists(named))
