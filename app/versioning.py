"""Optimistic concurrency for panels, outcomes, justifications and relationships: the version a
form was opened at travels with it, and a save against a newer version is refused.

The comparison is made by the database in the UPDATE's WHERE clause, not in Python: on
PostgreSQL two requests that both read version 3 would otherwise both pass a Python check and
both write. The UPDATE also takes the row's lock, so the rest of the winning transaction runs
alone and every loser finds the version moved on when the lock is released.
"""

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from wtforms import HiddenField

from app.audit import lock_chain
from app.extensions import db
from app.numbers import ascii_int

MISSING_MESSAGE = (
    "This page was sent without the version it was opened at, so it cannot be saved safely. "
    "What you typed has been kept: reload the page, then make your change again."
)

# The version column is a 32-bit integer; anything larger is a tampered form, not a version.
_LARGEST_VERSION = 2**31 - 1


class _Missing:
    """A form posted without its version: refused, never treated as "no form"."""

    def __str__(self) -> str:
        return ""


MISSING = _Missing()


class VersionField(HiddenField):
    """The version a form was opened at. Posted blank or left out, it reads as MISSING, so a
    hand-made POST cannot skip the stale-edit check by leaving the version out."""

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = MISSING
        else:
            self.data = valuelist[0]

    def _value(self) -> str:
        return "" if self.data is MISSING or self.data is None else str(self.data)


def _parse(version) -> int | None:
    return ascii_int(str(version), 0, _LARGEST_VERSION)


def check_and_bump(row, version, stale_error: type[Exception]) -> None:
    """Move the row from the form's version to the next one, atomically, or raise `stale_error`.

    `version` None means a caller with no form (the command line, a job, an import): the version
    is still counted up in the database, so any form opened before this change goes stale.
    MISSING (a form posted without it) and anything that is not a whole number are refused.
    """
    if version is None:
        bump(row)
        return
    if version is MISSING:
        raise stale_error(MISSING_MESSAGE)
    expected = _parse(version)
    if expected is None:
        raise stale_error()
    lock_chain(row.organisation_id)  # the audit lock before the row's: one order for everyone
    table = type(row).__table__
    result = db.session.execute(
        update(table)
        .where(table.c.id == row.id, table.c.version == expected)
        .values(version=expected + 1)
    )
    if result.rowcount != 1:
        raise stale_error()
    # The database holds the new version; tell the ORM so it does not write it a second time.
    set_committed_value(row, "version", expected + 1)


def bump(row) -> None:
    """Count a change made without a form: `version = version + 1` in the database."""
    lock_chain(row.organisation_id)
    table = type(row).__table__
    db.session.execute(
        update(table).where(table.c.id == row.id).values(version=table.c.version + 1)
    )
    current = db.session.scalar(
        table.select().with_only_columns(table.c.version).where(table.c.id == row.id)
    )
    set_committed_value(row, "version", current)
