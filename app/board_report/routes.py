"""The board report pages: choose a year, then read it or download it as HTML or PDF."""

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user

from app.accounts.permissions import roles_required
from app.accounts.roles import Role
from app.board_report import report
from app.exports import attachment
from app.numbers import ascii_int
from app.timeutil import today_london
from app.workforce.wres_year import WresYear, year_containing

bp = Blueprint("board_report", __name__, template_folder="templates")
BOARD = (Role.HR_ADMIN, Role.CHAIR)


def _year() -> int:
    current = year_containing(today_london()).year
    return ascii_int(request.args.get("year", ""), 2001, current) or current


@bp.route("/board-report")
@roles_required(*BOARD)
def index():
    current = year_containing(today_london()).year
    return render_template(
        "board_report/index.html",
        years=[WresYear(y) for y in range(current, current - 6, -1)],
        year=_year(),
    )


@bp.route("/board-report/report.<fmt>")
@roles_required(*BOARD)
def download(fmt: str):
    if fmt not in ("html", "pdf"):
        abort(404)
    organisation = current_user.organisation
    year = _year()
    publish = request.args.get("publish") == "1"
    built = report.build(organisation, year, today_london(), publish)
    name = f"board-report-{organisation.code}-{year}{'-published' if publish else ''}"
    if fmt == "html":
        if request.args.get("download") == "1":
            html = report.render_html(built, inline_css=True)
            return attachment(html.encode(), f"{name}.html", "text/html")
        return Response(report.render_html(built, inline_css=False), mimetype="text/html")
    try:
        pdf = report.render_pdf(report.render_html(built, inline_css=True))
    except report.PdfUnavailable as exc:
        return render_template("board_report/unavailable.html", message=str(exc)), 503
    return attachment(pdf, f"{name}.pdf", "application/pdf")
