"""What changed between two versions of a text, line by line. Pure: no Flask, no database;
the template escapes every line, so a hostile line is shown, never run."""

import difflib
from dataclasses import dataclass

SAME, REMOVED, ADDED = "same", "removed", "added"


@dataclass(frozen=True)
class Line:
    kind: str  # SAME, REMOVED or ADDED
    text: str


def _lines(text: str) -> list[str]:
    return text.splitlines() if text else []


def line_diff(before: str, after: str) -> list[Line]:
    """Every line of both texts once: kept, removed from `before`, or added in `after`."""
    kinds = {"  ": SAME, "- ": REMOVED, "+ ": ADDED}
    return [
        Line(kinds[entry[:2]], entry[2:])
        for entry in difflib.ndiff(_lines(before), _lines(after))
        if entry[:2] in kinds  # "? " lines are ndiff's intraline hints, not text
    ]


def changed(lines: list[Line]) -> bool:
    return any(line.kind != SAME for line in lines)
