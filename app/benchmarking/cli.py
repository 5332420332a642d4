"""`flask benchmark publish`: publish each stored year's figures for benchmarking now (the
scheduler's nightly snapshot job does the same)."""

import click
from flask.cli import AppGroup

from app.benchmarking import services
from app.cli_support import emit_json
from app.extensions import db
from app.timeutil import today_london
from app.workforce.models import Organisation

benchmark_cli = AppGroup("benchmark", help="Benchmarking across organisations.")


@benchmark_cli.command("publish")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on standard output.")
def publish(as_json: bool) -> None:
    """Publish every stored year's figures not yet published (after disclosure control)."""
    published = []
    for organisation_id, year in services.unpublished_years():
        organisation = db.session.get(Organisation, organisation_id)
        services.publish_year(organisation, year, today_london())
        db.session.commit()
        published.append({"organisation_code": organisation.code, "year": year})
    if as_json:
        emit_json({"published": published})
    else:
        for item in published:
            click.echo(f"Published {item['organisation_code']} {item['year']}", err=True)
        click.echo(f"{len(published)} year(s) published", err=True)
