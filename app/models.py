"""Every feature's tables, for the moment SQLAlchemy first needs them all.

A relationship may name its class by string ("Vacancy"), which SQLAlchemy resolves among the
classes defined when it configures the mappers, before the first query. A `flask` command
imports only its own feature's modules, so the rest are imported then: when a feature's mapper
is about to be configured, not when only the foundation's are (`extensions.FoundationModel`,
whose classes name no feature's).
"""

import importlib

from sqlalchemy import event
from sqlalchemy.orm import Mapper

FEATURES = [
    "accounts",
    "benchmarking",
    "goals",
    "justifications",
    "mentoring",
    "metrics",
    "notifications",
    "recruitment",
    "survey",
    "workforce",
    "wres_return",
]


def import_all() -> None:
    for feature in FEATURES:
        importlib.import_module(f"app.{feature}.models")


# The modules of the foundation's classes (`extensions.FoundationModel`), which name each other
# ("User") but no feature's.
FOUNDATION = [
    "app.accounts.models",
    "app.audit",
    "app.import_history",
    "app.import_jobs",
    "app.metrics.models",
    "app.workforce.models",
]


def _import_before_configuring() -> None:
    from app.extensions import db

    for module in FOUNDATION:
        importlib.import_module(module)
    if any(not mapper.configured for mapper in db.Model.registry.mappers):
        import_all()


def import_all_before_mappers_are_configured() -> None:
    if not event.contains(Mapper, "before_configured", _import_before_configuring):
        event.listen(Mapper, "before_configured", _import_before_configuring)
