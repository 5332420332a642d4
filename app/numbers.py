"""Whole numbers from query strings and forms. Pure.

`str.isdigit()` accepts `²` and other digits `int()` refuses, and `int()` accepts Arabic-Indic
and full-width digits no person typing a year means: only ASCII digits count here.
"""

import re

_ASCII_WHOLE = re.compile(r"[0-9]{1,18}")


def ascii_int(text, low: int | None = None, high: int | None = None) -> int | None:
    """The whole number `text` spells in ASCII digits, within [low, high]; None otherwise."""
    if text is None:
        return None
    text = str(text).strip()
    if not _ASCII_WHOLE.fullmatch(text):
        return None
    value = int(text)
    if (low is not None and value < low) or (high is not None and value > high):
        return None
    return value
