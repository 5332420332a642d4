"""Entry point for the `flask` command and `make run`: APP_ENV defaults to development here."""

import os

from app import create_app

app = create_app(os.environ.get("APP_ENV", "development"))
