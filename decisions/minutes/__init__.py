"""The minutes parser: plain text of Odense committee minutes in, frozen dataclasses out.

Knows nothing of Django, so it can be tested and benchmarked without a database.
"""

from .decode import decode_minutes
from .parser import normalize_case_number, parse_case_number, parse_minutes
from .types import MinutesError, ParseWarning

__all__ = [
    "MinutesError",
    "ParseWarning",
    "decode_minutes",
    "normalize_case_number",
    "parse_case_number",
    "parse_minutes",
]
