"""The application factory: create_app builds the app in named steps."""

import gc
import secrets
import threading
from pathlib import Path

from flask import Flask, g, render_template, request
from jinja2 import ChainableUndefined, ChoiceLoader, PackageLoader
from werkzeug.routing import IntegerConverter

from app import subscriptions
from config import Config, load_config

# Every id column is INTEGER: 32 bits on PostgreSQL (SQLite's are wider, and accept these too).
MAX_DATABASE_ID = 2**31 - 1


class WresFlask(Flask):
    """Flask whose views (blueprints, with their routes, forms and URL rules) may wait until
    something needs them: a request, a URL built or matched, a template looked up, the URL map
    read. A `flask` command that does none of these never imports them."""

    views_pending = False

    def need_views(self) -> None:
        if self.views_pending:
            with self._views_lock:  # re-entrant: registering reads the URL map
                if self.views_pending and not self._views_registering:
                    self._views_registering = True
                    register_blueprints(self)
                    self.views_pending = False

    def defer_views(self) -> None:
        self._views_lock = threading.RLock()
        self._views_registering = False
        self.views_pending = True

    @property
    def url_map(self):
        self.need_views()
        return self._url_map

    @url_map.setter
    def url_map(self, value) -> None:
        self._url_map = value

    def iter_blueprints(self):
        # Template look-ups search each blueprint's templates folder.
        self.need_views()
        return super().iter_blueprints()

    def wsgi_app(self, environ, start_response):
        self.need_views()
        return super().wsgi_app(environ, start_response)


def create_app(config: Config | str | None = None, views_on_demand: bool = False) -> Flask:
    """views_on_demand: register the views when first needed rather than now (the `flask`
    command, where most commands never serve a page nor build a URL)."""
    # Building the app makes about 100,000 objects that live as long as the process and no
    # garbage: the cycle collector would walk them some 230 times meanwhile (a tenth of the
    # start-up time). It resumes, as configured, once the app is built.
    collecting = gc.isenabled()
    gc.disable()
    try:
        app = WresFlask(__name__, instance_relative_config=True)
        app.config.from_object(config if isinstance(config, Config) else load_config(config))
        register_templates(app)
        register_extensions(app)
        subscriptions.wire()
        register_url_converters(app)
        if views_on_demand:
            app.defer_views()
        else:
            register_blueprints(app)
        register_errorhandlers(app)
        register_security_headers(app)
        register_commands(app)
    finally:
        if collecting:
            gc.enable()
    return app


def register_templates(app: Flask) -> None:
    app.jinja_options = {
        **app.jinja_options,
        # Every template escapes what it prints, whatever its file name: Flask's default escapes
        # only .html, which left the NHS.UK .jinja macros printing their `text` raw.
        "autoescape": True,
        # The NHS.UK macros expect chained look-ups of absent parameters to be harmless.
        "undefined": ChainableUndefined,
        "loader": ChoiceLoader(
            [
                app.create_global_jinja_loader(),  # app and blueprint templates
                PackageLoader("nhsuk_frontend_jinja"),
            ]
        ),
    }
    from app import macro_cache, presenters

    presenters.register(app)
    macro_cache.register(app)


def register_extensions(app: Flask) -> None:
    from app import (
        database,  # noqa: F401  (registers SQLite connection behaviour)
        figure_cache,  # noqa: F401  (every write commits a new figure token)
        models,
    )
    from app.accounts import passwords
    from app.extensions import csrf, db, login_manager

    models.import_all_before_mappers_are_configured()
    db.init_app(app)
    register_migrations(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    passwords.init_app(app)


def _bind_migrate(app: Flask):
    """Flask-Migrate's own binding, as `Migrate.init_app` makes it."""
    from flask_migrate import Migrate

    from app.extensions import db

    # Batch mode lets SQLite, which cannot ALTER most things, take the same migrations.
    Migrate().init_app(
        app, db, directory=str(Path(app.root_path).parent / "migrations"), render_as_batch=True
    )
    return app.extensions["migrate"]


class _UnboundMigrate:
    """app.extensions["migrate"] until something reads it (`flask db ...`, flask_migrate.upgrade
    in tests, migrations/env.py): then Flask-Migrate binds itself and this hands over."""

    def __init__(self, app: Flask):
        self._app = app

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(_bind_migrate(self._app), name)


def register_migrations(app: Flask) -> None:
    """Flask-Migrate, loaded only when a migration runs: importing it imports Alembic (and Mako
    and Pygments), which every other `flask` command would pay for at start."""
    from app.cli_support import LazyCommand

    app.extensions["migrate"] = _UnboundMigrate(app)
    app.cli.add_command(LazyCommand("db", lambda: _db_command(app), "Perform database migrations."))


def _db_command(app: Flask):
    """Flask-Migrate's `flask db` group, bound to the app first."""
    from flask_migrate.cli import db as db_cli_group

    if isinstance(app.extensions.get("migrate"), _UnboundMigrate):
        _bind_migrate(app)
    return db_cli_group


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in every route: ASCII digits only, and no larger than a database id can be.

    Werkzeug's own converter matches any Unicode decimal digit (Arabic-Indic digits reach the
    view as ordinary numbers) and any size (an id beyond the column's range makes PostgreSQL
    refuse the query, and one above 2^63 overflows SQLite's driver). Here neither matches, so
    the answer is the ordinary 404.
    """

    regex = r"[0-9]+"

    def __init__(self, url_map, fixed_digits=0, min=None, max=MAX_DATABASE_ID, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
        if signed:
            self.regex = r"-?[0-9]+"


def register_url_converters(app: Flask) -> None:
    # Before the blueprints: a rule picks its converter when it is added.
    app.url_map.converters["int"] = DatabaseIdConverter


def register_blueprints(app: Flask) -> None:
    from app.accounts.routes import bp as accounts_bp
    from app.benchmarking.routes import bp as benchmarking_bp
    from app.board_report.routes import bp as board_report_bp
    from app.goals.routes import bp as goals_bp
    from app.home.routes import bp as home_bp
    from app.justifications.routes import bp as justifications_bp
    from app.mentoring.routes import bp as mentoring_bp
    from app.metrics.routes import bp as metrics_bp
    from app.notifications.routes import bp as notifications_bp
    from app.paygap.routes import bp as paygap_bp
    from app.recruitment.routes import bp as recruitment_bp
    from app.survey.routes import bp as survey_bp
    from app.workforce.routes import bp as workforce_bp
    from app.wres_return.routes import bp as wres_return_bp

    app.register_blueprint(home_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(workforce_bp)
    app.register_blueprint(recruitment_bp)
    app.register_blueprint(justifications_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(mentoring_bp)
    app.register_blueprint(metrics_bp)
    app.register_blueprint(goals_bp)
    app.register_blueprint(board_report_bp)
    app.register_blueprint(benchmarking_bp)
    app.register_blueprint(survey_bp)
    app.register_blueprint(paygap_bp)
    app.register_blueprint(wres_return_bp)


def register_errorhandlers(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError

    def render_error(status: int, title: str, message: str):
        if request.accept_mimetypes.best == "application/json":
            return {"error": title, "message": message}, status
        return render_template(
            "errors/error.html", status=status, title=title, message=message
        ), status

    @app.errorhandler(403)
    def forbidden(_error):
        return render_error(
            403,
            "You do not have access to this page",
            "Your account does not have a role that can see this page. "
            "If you think it should, ask your HR / WRES lead.",
        )

    @app.errorhandler(404)
    def not_found(_error):
        return render_error(
            404,
            "Page not found",
            "If you typed the web address, check it is correct. "
            "If you pasted it, check you copied the entire address.",
        )

    @app.errorhandler(413)
    def too_large(_error):
        limit_mb = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        return render_error(
            413,
            "The file is too large",
            f"Files up to {limit_mb} MB can be uploaded. Split the file, or ask "
            "your administrator to raise MAX_UPLOAD_MB.",
        )

    @app.errorhandler(429)
    def too_many_requests(error):
        if request.endpoint == "accounts.login":
            from app.accounts.routes import too_many_attempts

            return too_many_attempts(error)
        return render_error(429, "Too many requests", "Wait a few minutes, then try again.")

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return render_error(
            400,
            "Your form has expired",
            "For your security the form could not be sent. Go back, reload the page and try again.",
        )

    @app.errorhandler(500)
    def server_error(_error):
        return render_error(
            500,
            "Sorry, there is a problem with the service",
            "Try again later. Nothing you entered was saved.",
        )


def register_security_headers(app: Flask) -> None:
    @app.before_request
    def make_nonce():
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.after_request
    def security_headers(response):
        nonce = getattr(g, "csp_nonce", "")
        response.headers.setdefault(
            "Content-Security-Policy",
            f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; "
            # The NHS.UK stylesheet loads its Frutiger fonts from assets.nhs.uk.
            "img-src 'self' data:; font-src 'self' https://assets.nhs.uk; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not app.debug and app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def metrics_command():
    """The metrics group with indicators 3 and 4, which live with the rest of the return."""
    from app.metrics.cli import metrics_cli
    from app.wres_return.cli import indicator3, indicator4

    metrics_cli.add_command(indicator3)
    metrics_cli.add_command(indicator4)
    return metrics_cli


# Each command group of `flask`: the module that defines it, and its one-line help for
# `flask --help`, which lists them without importing any. Running one imports its own module
# only (LazyCommand); tests/test_startup.py checks each line here against the real command.
COMMANDS = {
    "orgs": ("app.workforce.cli:orgs_cli", "Organisations."),
    "report": ("app.board_report.cli:report_cli", "Reports for the board."),
    "users": ("app.accounts.cli:users_cli", "User accounts."),
    "staff": ("app.workforce.cli:staff_cli", "Staff records."),
    "seed-demo": (
        "app.workforce.cli:seed_demo",
        "Make a believable synthetic trust with one login per role.",
    ),
    "recruitment": ("app.recruitment.cli:recruitment_cli", "Vacancies, applications and outcomes."),
    "panels": ("app.recruitment.cli:panels_cli", "Shortlisting and interview panels."),
    "justifications": ("app.justifications.cli:justifications_cli", "Justifications to the chair."),
    "audit": ("app.justifications.cli:audit_cli", "The audit trail."),
    "scheduler": ("app.scheduler:scheduler_cli", "Scheduled jobs (run in their own process)."),
    "imports": ("app.import_jobs:imports_cli", "Imports uploaded through the web pages."),
    "mentoring": (
        "app.mentoring.cli:mentoring_cli",
        "Mentoring, reverse mentoring and sponsorship.",
    ),
    "metrics": (metrics_command, "WRES indicators and the leadership aspiration."),
    "survey": ("app.survey.cli:survey_cli", "NHS Staff Survey results (WRES indicators 5 to 8)."),
    "export": ("app.metrics.cli:export_cli", "Exports."),
    "benchmark": ("app.benchmarking.cli:benchmark_cli", "Benchmarking across organisations."),
    "disciplinary": (
        "app.wres_return.cli:disciplinary_cli",
        "Disciplinary case starts (WRES indicator 3).",
    ),
    "training": (
        "app.wres_return.cli:training_cli",
        "Training and CPD records (WRES indicator 4).",
    ),
}


def register_commands(app: Flask) -> None:
    from app.cli_support import LazyCommand

    for name, (target, short_help) in COMMANDS.items():
        app.cli.add_command(LazyCommand(name, target, short_help))
