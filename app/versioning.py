"""Optimistic concurrency for panels, outcomes, justifications and relationships: the version a
form was opened at travels with it, and a save against a newer version is refused."""

from app.numbers import ascii_int


def check_and_bump(row, version, stale_error: type[Exception]) -> None:
    """Raise `stale_error` if the form's version is not the row's; otherwise count a change.

    `version` None or "" means a caller with no form (the command line, a job): nothing to
    compare. Anything that is not a whole number is treated as stale, never as a crash.
    """
    if version is not None and version != "":
        text = str(version).strip()
        if ascii_int(text) != row.version:
            raise stale_error()
    row.version += 1
