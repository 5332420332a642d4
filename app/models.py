"""Every feature's tables, for the moment SQLAlchemy first needs them all.

A relationship may name its class by string ("User"), which SQLAlchemy resolves among the
classes defined when it configures the mappers, before the first query. A `flask` command
imports only its own feature's modules, so the rest are imported then.
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


def import_all_before_mappers_are_configured() -> None:
    if not event.contains(Mapper, "before_configured", import_all):
        event.listen(Mapper, "before_configured", import_all)
