"""Every `flask` command builds the app first: heavy libraries wait until a command uses them,
and under the `flask` command so do the views and every command's own module."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = [
    "pandas",
    "numpy",
    "matplotlib",
    "xlsxwriter",
    "openpyxl",
    "weasyprint",
    "holidays",
    # Flask-Migrate loads Alembic, Mako and Pygments: only `flask db` and migrations need them.
    "flask_migrate",
    "alembic",
    # The scheduler's own commands load APScheduler (and its thread and process pools).
    "apscheduler",
]


def _environment(tmp_path) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path}/startup.sqlite3",
        "SECRET_KEY": "startup-test-secret-key-0123456789",
        "AUDIT_KEY": "startup-test-audit-key-9876543210",
        "FLASK_APP": "wsgi_dev.py",
        "APP_ENV": "development",
    }


def _python(script: str, tmp_path) -> str:
    """What a fresh interpreter running `script` printed last (it must succeed)."""
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=_environment(tmp_path),
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


def test_building_the_app_imports_no_heavy_library(tmp_path):
    script = (
        "import json, sys\n"
        "from app import create_app\n"
        "create_app('development')\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    assert json.loads(_python(script, tmp_path)) == []


# What `flask --help` (and so the start of every command) does not import: the views with their
# routes, forms and URL rules, each command group's module, and the PostgreSQL dialect on SQLite.
NOT_FOR_THE_COMMAND_LIST = [
    "app.accounts.routes",
    "app.home.routes",
    "app.recruitment.routes",
    "app.recruitment.forms",
    "app.workforce.cli",
    "app.recruitment.cli",
    "app.metrics.cli",
    "app.scheduler",
    "app.import_jobs",
    "sqlalchemy.dialects.postgresql",
    # Nor Flask-Limiter, which is no longer a dependency: its `flask limiter` plugin command was
    # imported (with limits, wrapt and asyncio) by every command, and it limited nothing (sign-in
    # throttling is counted in the database, app/accounts/throttle.py).
    "flask_limiter",
    # The notifications feature (smtplib, email) is for the pages' header and the mail jobs.
    "app.notifications.services",
]


def test_the_command_list_imports_no_view_nor_command_module(tmp_path):
    script = (
        "import io, json, sys, contextlib\n"
        "from flask.cli import main\n"
        "sys.argv = ['flask', '--help']\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    try:\n"
        "        main()\n"
        "    except SystemExit:\n"
        "        pass\n"
        "assert 'staff ' in out.getvalue(), out.getvalue()\n"
        f"unwanted = {HEAVY + NOT_FOR_THE_COMMAND_LIST!r}\n"
        "print(json.dumps([m for m in unwanted if m in sys.modules]))\n"
    )
    assert json.loads(_python(script, tmp_path)) == []


def test_each_listed_command_is_the_real_command_with_its_own_help():
    from app import COMMANDS, create_app

    app = create_app("testing", views_on_demand=True)
    for name in COMMANDS:
        listed = app.cli.commands[name]
        real = listed.real()
        assert real.name == name
        assert listed.get_short_help_str(limit=200) == real.get_short_help_str(limit=200)
    assert {"indicator3", "indicator4"} <= set(app.cli.commands["metrics"].real().commands)


def test_views_on_demand_are_the_same_views_once_needed(app):
    from app import create_app

    on_demand = create_app("testing", views_on_demand=True)
    assert on_demand.views_pending and not on_demand.blueprints
    # A template of a blueprint's own folder is found (the look-up registers the views).
    assert on_demand.jinja_env.get_template("accounts/login.html").name == "accounts/login.html"
    assert not on_demand.views_pending
    rules = sorted((r.rule, r.endpoint, tuple(sorted(r.methods))) for r in app.url_map.iter_rules())
    assert (
        sorted(
            (r.rule, r.endpoint, tuple(sorted(r.methods))) for r in on_demand.url_map.iter_rules()
        )
        == rules
    )

    # A request needs them too.
    fresh = create_app("testing", views_on_demand=True)
    assert fresh.views_pending
    response = fresh.test_client().get("/sign-in")
    assert response.status_code == 200
    assert b"Sign in" in response.data


def test_the_flask_command_serves_pages_and_lists_routes(tmp_path):
    env = _environment(tmp_path)
    flask = str(Path(sys.executable).with_name("flask"))
    routes = subprocess.run(
        [flask, "routes"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert routes.returncode == 0, routes.stderr
    assert "accounts.login" in routes.stdout and "recruitment." in routes.stdout


def test_a_command_importing_one_feature_can_query_every_mapped_class(tmp_path):
    # Relationships name other features' classes by string: the first query needs them all.
    script = (
        "from app import create_app\n"
        "app = create_app('development', views_on_demand=True)\n"
        "from app.workforce.cli import orgs_cli\n"
        "from sqlalchemy.orm import configure_mappers\n"
        "configure_mappers()\n"
        "print('configured')\n"
    )
    assert _python(script, tmp_path) == "configured"


def test_every_feature_with_models_is_imported_before_the_mappers_are_set_up():
    # A feature missing from FEATURES works in the web app (its routes import its models) and
    # fails only in a `flask` command that queries a class naming it.
    from app.models import FEATURES

    with_models = {path.parent.name for path in (ROOT / "app").glob("*/models.py")}
    assert with_models == set(FEATURES)


def test_every_command_group_of_the_app_is_listed():
    # A group defined but missing from COMMANDS would silently vanish from `flask`.
    import importlib
    import pkgutil

    import click

    import app as package
    from app import COMMANDS

    found = []
    for module in pkgutil.walk_packages(package.__path__, "app."):
        if module.name.rsplit(".", 1)[-1] in {"cli", "scheduler", "import_jobs"}:
            loaded = importlib.import_module(module.name)
            found += [v for v in vars(loaded).values() if isinstance(v, click.Command)]
    children = {
        id(child)
        for group in found
        if isinstance(group, click.Group)
        for child in group.commands.values()
    }
    top = {command.name for command in found if id(command) not in children}
    assert top - set(COMMANDS) <= {"indicator3", "indicator4"}, top - set(COMMANDS)
    assert top >= set(COMMANDS) - {"metrics"}


def test_a_command_closes_its_database_and_leaves_its_heap_uncollected(tmp_path):
    # Collecting the heap at exit cost 0.1 to 0.3 s of every command; the connections it
    # closed on the way are closed first instead, so SQLite still checkpoints and removes its
    # write-ahead log.
    import sqlite3

    with sqlite3.connect(tmp_path / "startup.sqlite3") as connection:
        connection.execute(
            "CREATE TABLE organisation (id INTEGER PRIMARY KEY, code TEXT, name TEXT, "
            "region TEXT, organisation_type TEXT, size_band TEXT, created_at TEXT)"
        )
        connection.execute("INSERT INTO organisation (code, name) VALUES ('RAB', 'Trust')")
    script = (
        "import atexit, gc, json, os, sys\n"
        "from flask.cli import main\n"
        "frozen = []\n"
        # Registered first, so it runs after the command's own exit hook.
        "atexit.register(lambda: print(json.dumps([gc.get_freeze_count(), frozen[0]])))\n"
        "import app.cli_support as cli\n"
        "real = cli._as_the_process\n"
        "def watched(load):\n"
        "    command = real(load)\n"
        "    frozen.append(gc.get_freeze_count())\n"
        "    return command\n"
        "cli._as_the_process = watched\n"
        "sys.argv = ['flask', 'orgs', 'list']\n"
        "main()\n"
    )
    at_exit, after_start_up = json.loads(_python(script, tmp_path))
    assert after_start_up > 10_000  # the app and the command's modules
    assert at_exit >= after_start_up
    assert sorted(p.name for p in tmp_path.iterdir()) == ["startup.sqlite3"]


# A script's start: the app as the `flask` command builds it, its database migrated, with one
# organisation (RAB).
_MIGRATED_WITH_RAB = (
    "from app import create_app\n"
    "app = create_app('development', views_on_demand=True)\n"
    "from app.extensions import db\n"
    "import flask_migrate\n"
    "with app.app_context():\n"
    f"    flask_migrate.upgrade(directory={str(ROOT / 'migrations')!r})\n"
    "    from app.workforce.services import create_organisation\n"
    "    create_organisation('RAB', 'Trust')\n"
    "    db.session.commit()\n"
)


def test_a_command_tells_every_listener_of_what_it_did(tmp_path, examples):
    # Under the `flask` command the justification feature is never imported unless something
    # calls it: when it registered its listeners as it was imported, `flask recruitment import`
    # recorded interviewed BME applicants not appointed and asked no justification for them.
    script = (
        _MIGRATED_WITH_RAB + "runner = app.test_cli_runner()\n"
        "for kind in ('staff', 'recruitment'):\n"
        f"    path = {str(examples)!r} + f'/{{kind}}.csv'\n"
        "    result = runner.invoke(args=[kind, 'import', path, '--org', 'RAB'])\n"
        "    assert result.exit_code == 0, result.output\n"
        "import sys\n"
        "assert 'app.justifications.services' in sys.modules\n"
        "with app.app_context():\n"
        "    from app.justifications.models import Justification\n"
        "    print(db.session.query(Justification).count())\n"
    )
    assert int(_python(script, tmp_path)) > 0


def test_a_staff_import_configures_no_mapper(tmp_path, examples):
    # Configuring every feature's mappers (and importing every feature's models to do it) was
    # a sixth of a re-import of an unchanged staff file: a staff import touches only the
    # foundation's tables (extensions.FoundationModel), and those as SQL, never a mapped class's
    # attribute nor a mapped object, so not even the foundation's registry is configured
    # (tests/workforce/test_staff_import.py checks a re-import and a panel import too).
    migrate = _MIGRATED_WITH_RAB + "print('ready')\n"
    assert _python(migrate, tmp_path) == "ready"
    staff_file = str(examples / "staff.csv")
    script = (
        "import atexit, json, sys\n"
        "from flask.cli import main\n"
        "def report():\n"
        "    from app.extensions import FoundationModel, db\n"
        "    from app.models import FEATURES, FOUNDATION\n"
        "    features = [f'app.{name}.models' for name in FEATURES]\n"
        "    imported = [m for m in features if m in sys.modules and m not in FOUNDATION]\n"
        "    print(json.dumps({\n"
        "        'feature_models': imported,\n"
        "        'feature_mappers_configured': sum(\n"
        "            m.configured for m in db.Model.registry.mappers),\n"
        "        'foundation_mappers_configured': sum(\n"
        "            m.configured for m in FoundationModel.registry.mappers),\n"
        "    }))\n"
        "atexit.register(report)\n"
        f"sys.argv = ['flask', 'staff', 'import', {staff_file!r}, '--org', 'RAB']\n"
        "main()\n"
    )
    assert json.loads(_python(script, tmp_path)) == {
        "feature_models": [],
        "feature_mappers_configured": 0,
        "foundation_mappers_configured": 0,
    }
