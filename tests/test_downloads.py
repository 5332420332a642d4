"""Every download names its file by RFC 6266, whatever characters the name carries; the CSP lets
the NHS.UK fonts load and nothing else new."""

import re
from pathlib import Path
from urllib.parse import unquote

from hypothesis import given
from hypothesis import strategies as st

from app.exports import content_disposition
from tests import factories

_QUOTED = re.compile(
    r'^(?:attachment|inline); filename="([A-Za-z0-9._-]+)"; filename\*=UTF-8\'\'([^\s";]+)$'
)


@given(st.text(max_size=80))
def test_any_name_gives_one_well_formed_header(name):
    header = content_disposition(name)
    match = _QUOTED.match(header)
    assert match, header
    assert header.isascii() and "\r" not in header and "\n" not in header
    full = unquote(match.group(2))
    assert "/" not in full and "\\" not in full
    assert not any(c in full for c in "\0\r\n\x85\u202e")


def test_names_keep_what_they_can():
    assert content_disposition("wres-RAB-2026.csv") == (
        "attachment; filename=\"wres-RAB-2026.csv\"; filename*=UTF-8''wres-RAB-2026.csv"
    )
    header = content_disposition('evidence-Zoë "O\'Neil".html')
    assert 'filename="evidence-Zoe_O_Neil_.html"' in header
    assert "filename*=UTF-8''evidence-Zo%C3%AB%20%22O%27Neil%22.html" in header


def test_a_staff_number_with_a_line_break_and_quotes_downloads_cleanly(
    client, db, login_as, organisation
):
    login_as("hr-admin")
    staff = factories.StaffFactory(
        organisation=organisation, staff_number='7\r\nX-Injected: x=1; "a"', pay_band="VSM"
    )
    db.session.commit()
    for suffix in (".html", ".csv"):
        response = client.get(f"/mentoring/evidence/{staff.id}{suffix}")
        assert response.status_code == 200, suffix
        header = response.headers["Content-Disposition"]
        assert _QUOTED.match(header), header
        assert "X-Injected" not in response.headers
        assert unquote(_QUOTED.match(header).group(2)).startswith("mentoring-evidence-7X-Injected")
        # The printable evidence opens in the browser; the CSV downloads.
        assert header.startswith("inline;" if suffix == ".html" else "attachment;"), header


def test_every_download_route_uses_the_one_header(client, db, login_as):
    login_as("hr-admin", "chair")
    for path in (
        "/dashboard/export.csv?year=2026",
        "/justifications/register.csv",
        "/mentoring/coverage?year=2026&format=csv",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert _QUOTED.match(response.headers["Content-Disposition"]), path


def test_the_csp_allows_the_nhs_fonts_and_stays_strict(client, db):
    policy = client.get("/sign-in").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["font-src"] == "'self' https://assets.nhs.uk"
    assert directives["default-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["script-src"].startswith("'self' 'nonce-")
    css = (
        Path(__file__).resolve().parent.parent / "app/static/nhsuk/nhsuk-frontend.min.css"
    ).read_text()
    hosts = set(re.findall(r"url\((https://[^/)]+)/[^)]*\.woff2?\)", css))
    assert hosts == {"https://assets.nhs.uk"}


def test_the_printable_evidence_opens_with_only_its_own_stylesheet_allowed(
    client, db, login_as, organisation
):
    import base64
    import hashlib

    login_as("hr-admin")
    staff = factories.StaffFactory(organisation=organisation, pay_band="VSM")
    db.session.commit()
    response = client.get(f"/mentoring/evidence/{staff.id}.html")
    assert response.headers["Content-Disposition"].startswith("inline;")
    policy = response.headers["Content-Security-Policy"]
    css = re.search(r"<style>(.*?)</style>", response.get_data(as_text=True), re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in policy
    assert policy.startswith("default-src 'none'") and "script-src" not in policy
