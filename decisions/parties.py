"""Danish party letters ("partibogstaver") and their names: the one list the site uses."""

from __future__ import annotations

import difflib

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
