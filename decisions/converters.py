"""URL converters: ISO dates in meeting URLs."""

import datetime as dt


class IsoDateConverter:
    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> dt.date:
        try:
            return dt.date.fromisoformat(value)
        except ValueError as exc:  # e.g. 2019-02-30: no such page
            raise ValueError(value) from exc

    def to_url(self, value: dt.date | str) -> str:
        return value.isoformat() if isinstance(value, dt.date) else value


class CaseNumberConverter:
    """Case numbers in URLs, as municipalities write them: 15.00.00-G01-193-17, 12/27845 (with a
    slash), 2012-28504. Any text is taken here: the views normalize it (a typed lower-case or
    spaced number redirects to its form) and answer a number that cannot be one with their own
    404 page and its suggestions, as the JSON API's 404 for the API."""

    regex = r".+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
