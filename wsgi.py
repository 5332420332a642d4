"""Entry point for gunicorn: `gunicorn wsgi:app`. APP_ENV defaults to production here."""

import os

from app import create_app

app = create_app(os.environ.get("APP_ENV", "production"))
