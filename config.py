"""Settings for each environment, read from environment variables.

Every variable is listed in .env.example and the README. Production fails fast when a required
setting is missing rather than starting with an insecure default.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


class ConfigError(RuntimeError):
    """A required setting is missing or unusable."""


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _development_secret_key(name: str = "secret_key") -> str:
    """A key kept in instance/ so development sessions (and the audit chain) survive a restart."""
    path = INSTANCE_DIR / name
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    SERVICE_NAME = "WRES Workflow"
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # Sessions: no remember-me; an idle timeout ends a session left alone.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "wres_session"
    IDLE_TIMEOUT = timedelta(minutes=_env_int("IDLE_TIMEOUT_MINUTES", 30))
    PERMANENT_SESSION_LIFETIME = IDLE_TIMEOUT
    REMEMBER_COOKIE_SECURE = True

    WTF_CSRF_TIME_LIMIT = None  # the session's own lifetime bounds the token

    # Sign-in throttling, counted in the database so every worker shares the counts: after this
    # many failures each further attempt waits 1, 2, 4... seconds, up to the maximum.
    LOGIN_THROTTLE_ADDRESS_FREE = _env_int("LOGIN_THROTTLE_ADDRESS_FREE", 20)
    LOGIN_THROTTLE_ACCOUNT_FREE = _env_int("LOGIN_THROTTLE_ACCOUNT_FREE", 5)
    LOGIN_THROTTLE_PAIR_FREE = _env_int("LOGIN_THROTTLE_PAIR_FREE", 3)
    LOGIN_THROTTLE_MAX_SECONDS = _env_int("LOGIN_THROTTLE_MAX_SECONDS", 900)

    # Uploads: the largest ESR extract for a big trust is a few MB; this leaves room.
    # A 200,000-row ESR extract is about 25 MB.
    MAX_CONTENT_LENGTH = _env_int("MAX_UPLOAD_MB", 50) * 1024 * 1024
    # An upload with more data rows or bytes than this is imported in the background by the
    # scheduler process (a request can check and write about 2,500 rows a second).
    BACKGROUND_IMPORT_ROWS = _env_int("BACKGROUND_IMPORT_ROWS", 5000)
    BACKGROUND_IMPORT_BYTES = _env_int("BACKGROUND_IMPORT_KB", 1024) * 1024

    INVITATION_DAYS = _env_int("INVITATION_DAYS", 7)
    PASSWORD_RESET_MINUTES = _env_int("PASSWORD_RESET_MINUTES", 60)
    PAGE_SIZE = 50

    # Email: "smtp" sends through MAIL_SERVER; "log" writes each email to the log instead.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "WRES Workflow <no-reply@wres-workflow.invalid>")
    # The site's address, for links in emails (e.g. https://wres.example.nhs.uk).
    SERVICE_URL = os.environ.get("SERVICE_URL", "")

    # Signed audit checkpoints are appended to a file here as well as to the database, so that
    # someone who can rewrite the database cannot also rewrite what the checkpoints recorded.
    AUDIT_CHECKPOINT_DIR = os.environ.get("AUDIT_CHECKPOINT_DIR") or str(INSTANCE_DIR)

    # The home page's and the dashboard's figures, kept until the data changes (shared by every
    # worker on the machine; app/figure_cache.py).
    FIGURE_CACHE_DIR = os.environ.get("FIGURE_CACHE_DIR") or str(INSTANCE_DIR / "figure-cache")


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "log")
    SERVICE_URL = os.environ.get("SERVICE_URL", "http://127.0.0.1:5000")
    # Served on plain http://127.0.0.1 by `make run`; a Secure cookie would never come back.
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)

    def __init__(self) -> None:
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or _development_secret_key()
        self.AUDIT_KEY = os.environ.get("AUDIT_KEY") or _development_secret_key("audit_key")
        self.SQLALCHEMY_DATABASE_URI = os.environ.get(
            "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'wres.sqlite3'}"
        )


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    # The test client speaks plain http; production's Secure flag is checked by its own test.
    SESSION_COOKIE_SECURE = False
    PAGE_SIZE = 20
    ARGON2_PROFILE = "CHEAPEST"  # the suite signs in hundreds of times
    FIGURE_CACHE_DIR = os.environ.get("FIGURE_CACHE_DIR")  # None: the system's temporary folder

    def __init__(self) -> None:
        self.SECRET_KEY = "testing-only-" + "x" * 32
        self.AUDIT_KEY = "testing-only-audit-" + "k" * 32
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")


class ProductionConfig(Config):
    ENV_NAME = "production"

    def __init__(self) -> None:
        missing = [
            name for name in ("SECRET_KEY", "DATABASE_URL", "AUDIT_KEY") if not os.environ.get(name)
        ]
        if missing:
            raise ConfigError(
                "Production needs these environment variables set: " + ", ".join(missing)
            )
        self.SECRET_KEY = os.environ["SECRET_KEY"]
        self.AUDIT_KEY = os.environ["AUDIT_KEY"]
        if self.AUDIT_KEY == self.SECRET_KEY:
            raise ConfigError("AUDIT_KEY must differ from SECRET_KEY")
        self.SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None) -> Config:
    name = name or os.environ.get("APP_ENV", "development")
    try:
        return CONFIGS[name]()
    except KeyError:
        raise ConfigError(f"APP_ENV must be one of {', '.join(CONFIGS)}, got {name!r}") from None
