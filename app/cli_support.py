"""Shared behaviour of the command-line interface (INTERFACES.md): one transaction per command,
--json documents on standard output only, messages a person can act on, non-zero exit on failure."""

import json
import sys
from collections.abc import Iterable

import click

from app.csvimport import Problem
from app.extensions import db


def emit_json(document) -> None:
    click.echo(json.dumps(document, indent=2, default=str))


def fail(message: str, problems: Iterable[Problem] = (), as_json: bool = False) -> None:
    """Roll back everything, explain on standard error, exit 1."""
    db.session.rollback()
    problems = list(problems)
    if as_json:
        emit_json(
            {
                "error": message,
                "problems": [
                    {"line": p.line, "column": p.column, "message": p.message} for p in problems
                ],
            }
        )
    click.echo(f"Error: {message}", err=True)
    for problem in problems:
        click.echo(f"  {problem}", err=True)
    sys.exit(1)
