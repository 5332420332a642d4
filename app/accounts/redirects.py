"""The `next` check: only a path on this site may follow sign-in. Pure, no Flask.

Browsers and Werkzeug forgive a lot ("/\\t/evil.example" loses its tab and becomes
"//evil.example", a scheme-relative URL to another host), so this accepts only a plain local path
made of ordinary URL characters and refuses everything else.
"""

import re
from urllib.parse import urlsplit

_SAFE_PATH = re.compile(r"^/(?![/\\])[A-Za-z0-9\-._~/?=&%+:@!$'()*,;]*$")


def safe_next(value: str | None, default: str = "/") -> str:
    if not value or not _SAFE_PATH.match(value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or "//" in parts.path:
        return default
    return value
