"""Every `flask` command builds the app first: heavy libraries wait until a command uses them."""

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


def test_building_the_app_imports_no_heavy_library(tmp_path):
    script = (
        "import json, sys\n"
        "from app import create_app\n"
        "create_app('development')\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path}/startup.sqlite3",
        "SECRET_KEY": "startup-test-secret-key-0123456789",
        "AUDIT_KEY": "startup-test-audit-key-9876543210",
    }
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
