"""Shared behaviour of the command-line interface (INTERFACES.md): one transaction per command,
--json documents on standard output only, messages a person can act on, non-zero exit on failure."""

import atexit
import gc
import importlib
import json
import sys
from collections.abc import Callable, Iterable

import click
from flask.cli import FlaskGroup

from app.csvimport import Problem
from app.extensions import db


class LazyCommand(click.Command):
    """A command `flask --help` lists by its one-line help while its module stays unimported;
    running it (or asking for its own --help) hands over to the real command, so its options,
    help and behaviour are exactly the real one's."""

    def __init__(self, name: str, target: str | Callable[[], click.Command], short_help: str):
        super().__init__(name, short_help=short_help, help=short_help)
        self.target = target  # "module:attribute", or a function returning the command

    def real(self) -> click.Command:
        if callable(self.target):
            return self.target()
        module, _, attribute = self.target.partition(":")
        return getattr(importlib.import_module(module), attribute)

    def make_context(self, info_name, args, parent=None, **extra):
        # click runs `context.command`, so everything from here on is the real command's.
        if parent is not None and isinstance(parent.find_root().command, FlaskGroup):
            return _as_the_process(self.real).make_context(info_name, args, parent, **extra)
        return self.real().make_context(info_name, args, parent=parent, **extra)


def _as_the_process(load: Callable[[], click.Command]) -> click.Command:
    """Load the command a `flask` process runs, with the garbage collector set for a process
    that ends when the command does.

    What start-up made (the app, the command's modules, some 100,000 objects) lives until the
    process ends and is never garbage: the collector walking it again at every full collection
    cost a fifth of a re-import of an unchanged staff file, so it is set aside (gc.freeze) once
    the command's module is loaded. At exit the interpreter collects everything several times
    over before the operating system takes the memory back anyway (0.1 to 0.3 s of every
    command): the database connections are closed first, as collecting them would have, and
    the rest is set aside too. Only under the `flask` command itself, never in a test's process.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        command = load()
    finally:
        gc.freeze()
        if collecting:
            gc.enable()
    atexit.register(_leave, list(db.engines.values()))
    return command


def _leave(engines) -> None:
    for engine in engines:
        engine.dispose()
    gc.freeze()


def emit_json(document) -> None:
    click.echo(json.dumps(document, indent=2, default=str))


def fail(message: str, problems: Iterable[Problem] = (), as_json: bool = False) -> None:
    """Roll back everything, explain on standard error, exit 1."""
    db.session.rollback()
    more = getattr(problems, "more", 0)
    problems = list(problems)
    if as_json:
        emit_json(
            {
                "error": message,
                "problems": [
                    {"line": p.line, "column": p.column, "message": p.message} for p in problems
                ],
                "more_problems": more,
            }
        )
    click.echo(f"Error: {message}", err=True)
    for problem in problems:
        click.echo(f"  {problem}", err=True)
    if more:
        click.echo(
            f"  ... and {more:,} more problem{'s' if more != 1 else ''}: correct these first "
            "(often one cause) and import again to see the rest",
            err=True,
        )
    sys.exit(1)


def run_import(
    apply, kind: str, file, org_code: str | None, as_json: bool, mapped: bool = True
) -> None:
    """The shared shape of `flask ... import FILE`: resolve the organisation, apply the file all
    or nothing, commit once, report counts (JSON on standard output with --json).

    `mapped=False`: `apply` takes the organisation as its id and code only (an OrganisationRef)
    and touches no mapped object, so the command never sets up the mappers
    (import_history.ImportRecord)."""
    from sqlalchemy.exc import IntegrityError

    from app.csvimport import RACE, ImportRefused
    from app.import_jobs import refuse_if_busy
    from app.workforce.services import (
        OrganisationError,
        organisation_reference,
        resolve_organisation,
    )

    try:
        organisation = (resolve_organisation if mapped else organisation_reference)(org_code)
        refuse_if_busy(organisation.id, kind)
        record = apply(organisation, file.read_bytes(), file.name, "command line")
        db.session.commit()
    except OrganisationError as exc:
        fail(str(exc), as_json=as_json)
    except ImportRefused as refused:
        fail("the file was not imported; nothing was changed", refused.problems, as_json)
    except IntegrityError:
        fail("the file was not imported; nothing was changed", [RACE], as_json)
    if as_json:
        emit_json(
            {
                "organisation_code": organisation.code,
                "file": file.name,
                "added": record.rows_added,
                "updated": record.rows_updated,
                "unchanged": record.rows_unchanged,
            }
        )
    click.echo(f"Imported {file.name} into {organisation.code}: {record.summary}", err=True)
