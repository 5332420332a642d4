"""`flask users add`: the first administrator, and accounts from scripts."""

import sys
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from app.accounts import services
from app.accounts.roles import Role, parse_role
from app.cli_support import fail
from app.extensions import db
from app.workforce.services import OrganisationError, resolve_organisation

users_cli = AppGroup("users", help="User accounts.")


def _roles(_ctx, _param, values):
    try:
        return [parse_role(v) for v in values]
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@users_cli.command("add")
@click.argument("email")
@click.option("--org", "org_code", help="Organisation code (may be left out when there is one).")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    callback=_roles,
    help="A role: " + ", ".join(r.value for r in Role) + ". Repeat for several.",
)
@click.option("--name", default="", help="The person's name.")
@click.option(
    "--staff-number",
    default=None,
    help="Link the account to the staff record with this ESR staff number (fixed from then on).",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--invite", is_flag=True, help="Print a one-time link to set the password instead.")
def add_user(email, org_code, roles, name, staff_number, password_stdin, invite):
    """Create a user; asks for the password unless --password-stdin or --invite."""
    try:
        organisation = resolve_organisation(org_code)
    except OrganisationError as exc:
        fail(str(exc))
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif not invite:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    try:
        user = services.create_user(
            organisation.id, email, roles, name, password, staff_number=staff_number
        )
        # Printed, not emailed: the very first administrator may have no working email yet.
        # The web pages only ever email links, to the account's own address.
        token = (
            services.issue_invitation(
                user, timedelta(days=current_app.config["INVITATION_DAYS"]), None
            )
            if invite
            else None
        )
    except services.AccountError as exc:
        fail(str(exc))
    db.session.commit()
    click.echo(
        f"Added {user.email} to {organisation.code} as "
        f"{', '.join(sorted(r.value for r in user.roles))}",
        err=True,
    )
    if token:
        click.echo(f"Invitation link path (prefix the site's address): /invitation/{token}")
