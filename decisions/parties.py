"""Danish party letters ("partibogstaver") and their names: the one list the site uses."""

from __future__ import annotations

import difflib

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Every letter the minutes' readers take for a party letter (decisions.minutes.common
# name_and_party, decisions.minutes.decisions _LETTER): one capital letter, Danish ones too.
# Wider than PARTIES: a local list's letter is kept as printed. Security review finding 7:
# an editor could store "/", and the person page then failed to link it (500).
PARTY_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZÆØÅ"

# The letters as printed after a councillor's name in the minutes, e.g. "Reza Javid (Ø)".
PARTIES: dict[str, str] = {
    "A": "Socialdemokratiet",
    "B": "Radikale Venstre",
    "C": "Det Konservative Folkeparti",
    "D": "Nye Borgerlige",
    "F": "SF – Socialistisk Folkeparti",
    "I": "Liberal Alliance",
    "K": "Kristendemokraterne",
    "M": "Moderaterne",
    "O": "Dansk Folkeparti",
    "V": "Venstre",
    "Æ": "Danmarksdemokraterne",
    "Ø": "Enhedslisten",
    "Å": "Alternativet",
}


def is_party_letter(value: object) -> bool:
    """Whether `value` is one party letter as the minutes print it ("Ø"; never "", "ø" or "/")."""
    return isinstance(value, str) and len(value) == 1 and value in PARTY_LETTERS


def validate_party_letter(value: str) -> None:
    """The validator of every model field that holds a party letter (blank is the field's business)."""
    if not is_party_letter(value):
        raise ValidationError(
            _("»%(value)s« er ikke et partibogstav: skriv ét stort bogstav, A–Z, Æ, Ø eller Å, fx V eller Ø."),
            code="party_letter",
            params={"value": value},
        )


def party_name(letter: str) -> str:
    """The party's name, or "" for a letter that is not a known party."""
    return PARTIES.get(letter, "")


def canonical_letter(raw: str) -> str | None:
    """A typed letter as the canonical upper-case party letter ("ø" → "Ø"), or None if unknown."""
    letter = (raw or "").strip().upper()
    return letter if letter in PARTIES else None


def close_parties(raw: str, *, limit: int = 3) -> list[tuple[str, str]]:
    """(letter, name) of the parties whose name or letter is closest to what was typed."""
    text = (raw or "").strip().lower()[:100]
    if not text:
        return []
    by_name = {name.lower(): letter for letter, name in PARTIES.items()}
    matches = difflib.get_close_matches(text, list(by_name), n=limit, cutoff=0.5)
    letters = [by_name[m] for m in matches]
    # A name typed in part ("konservative") is a match too.
    letters += [letter for name, letter in by_name.items() if len(text) >= 3 and text in name and letter not in letters]
    return [(letter, PARTIES[letter]) for letter in letters[:limit]]
