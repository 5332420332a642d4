"""Entry point for the `flask` command and `make run`: APP_ENV defaults to development here."""

import os

from app import create_app

# Under the `flask` command (FlaskGroup sets this before loading the app) the views wait until a
# command serves a page or builds a URL; anything else (gunicorn wsgi_dev:app) gets them now.
app = create_app(
    os.environ.get("APP_ENV", "development"),
    views_on_demand=os.environ.get("FLASK_RUN_FROM_CLI") == "true",
)
