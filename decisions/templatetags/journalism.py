"""Template helpers for the journalists' pages: party names and position choices."""

from __future__ import annotations

from django import template

from decisions.models import Position
from decisions.parties import PARTIES

register = template.Library()


@register.filter
def party_name(letter: str) -> str:
    """The name of a party letter ("Ø" → "Enhedslisten"), or "" if it is not a known party."""
    return PARTIES.get(letter or "", "")


@register.simple_tag
def position_choices() -> list[tuple[str, str]]:
    return list(Position.choices)


@register.simple_tag
def party_list() -> list[tuple[str, str]]:
    return list(PARTIES.items())
