"""User text is data, never syntax: which characters a field may hold.

Pure: no Flask. Forms (app/forms.py) apply it to every text field; the same rule suits any other
entry point that takes text.
"""

import unicodedata

# Line breaks and tabs belong in a paragraph of text; in a name or a reference they would end up
# splitting an email header or a CSV row.
MULTI_LINE_ALLOWED = frozenset("\t\n\r")


def control_characters(text: str, *, multi_line: bool = False) -> list[str]:
    """The C0 and C1 control characters (Unicode category Cc, DEL included) in `text`, in order of
    first appearance; a multi-line field may hold tab, line feed and carriage return."""
    allowed = MULTI_LINE_ALLOWED if multi_line else frozenset()
    found: list[str] = []
    for character in text:
        if (
            unicodedata.category(character) == "Cc"
            and character not in allowed
            and character not in found
        ):
            found.append(character)
    return found


def describe(character: str) -> str:
    names = {"\n": "a line break", "\r": "a line break", "\t": "a tab", "\0": "a NUL character"}
    return names.get(character, f"the control character U+{ord(character):04X}")


def control_character_problem(label: str, text: str, *, multi_line: bool = False) -> str | None:
    """A message a person can act on, or None when the text is acceptable."""
    found = control_characters(text, multi_line=multi_line)
    if not found:
        return None
    if not multi_line and set(found) <= {"\n", "\r"}:
        return f"{label} must be on one line: remove the line break"
    return f"{label} cannot contain {describe(found[0])}: remove it and try again"
