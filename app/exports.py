"""Files people download: CSV that spreadsheets open without running anything in it, and one
Content-Disposition for every download."""

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import quote

from flask import Response

# A cell starting with one of these is a formula to Excel and LibreOffice (OWASP CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")


def safe_cell(value) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(header: list[str], rows: Iterable[Iterable]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")  # Excel reads UTF-8 with a byte-order mark


_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9._-]+")


def content_disposition(filename: str) -> str:
    """RFC 6266: a quoted ASCII `filename` with anything unsafe replaced, and the full name as
    `filename*` (RFC 8187). Names carry people's staff numbers and names, so a quote, a line break
    or a path separator in them must stay data, never break the header."""
    cleaned = (
        "".join(
            "-" if c in "/\\" else c for c in filename if unicodedata.category(c)[0] != "C"
        ).strip(" .")
        or "download"
    )
    ascii_name = unicodedata.normalize("NFKD", cleaned).encode("ascii", "ignore").decode("ascii")
    ascii_name = _UNSAFE_ASCII.sub("_", ascii_name).strip("_.") or "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(cleaned, safe='')}"


def attachment(
    data: bytes | str, filename: str, mimetype: str, *, inline: bool = False
) -> Response:
    """The response of every download route; `inline` opens it in the browser (a printable
    page) while keeping its name for "Save as"."""
    disposition = content_disposition(filename)
    if inline:
        disposition = "inline" + disposition.removeprefix("attachment")
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": disposition})
