"""Addresses of pages that take no arguments (and of static files), built once per worker.

Every page builds the same dozen or so: the navigation, the header's account links, the
stylesheets and scripts, the footer's links. Within a request Flask builds them from the URL
map, the request's script root (SCRIPT_NAME) and subdomain, and nothing else of the request
(no URL defaults are registered here; if one ever is, nothing is kept). So they are kept per
script root and subdomain: a request under another prefix or host gets its own.
"""

from flask import url_for
from flask.globals import _cv_request

MAX_ENTRIES = 1024


def kept_url_for(endpoint: str, **values) -> str:
    """url_for, kept for an endpoint with no arguments or a static file's name; anything else
    (ids, query strings, an anchor, an external address, a relative endpoint) is built anew."""
    context = _cv_request.get(None)
    if context is None or endpoint[:1] == "." or context.app.url_default_functions:
        return url_for(endpoint, **values)
    if values:
        filename = values.get("filename")
        if len(values) != 1 or type(filename) is not str:
            return url_for(endpoint, **values)
    else:
        filename = None
    adapter = context.url_adapter
    if adapter is None:
        return url_for(endpoint, **values)
    kept = context.app.extensions.setdefault("kept_urls", {})
    key = (adapter.script_name, adapter.subdomain, endpoint, filename)
    url = kept.get(key)
    if url is None:
        url = url_for(endpoint, **values)
        if len(kept) >= MAX_ENTRIES:
            kept.clear()
        kept[key] = url
    return url
