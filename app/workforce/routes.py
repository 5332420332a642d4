"""HR's workforce pages: staff list and record, the ESR import, organisation settings."""

from decimal import Decimal

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app import audit, import_jobs
from app.accounts.permissions import can_view_staff, roles_required
from app.accounts.roles import Role
from app.accounts.scoping import get_scoped_or_404, scope_parameters, scoped, scoped_by_parameter
from app.database import writes
from app.extensions import db
from app.import_history import IMPORT_KINDS, DataImport
from app.pagination import paginate, paginate_keyset
from app.uploads import run_upload
from app.workforce import history, queries, services
from app.workforce.bands import BANDS, BOARD_ROLE_NAMES, STAFF_GROUP_NAMES, band_name
from app.workforce.forms import SettingsForm, StaffUploadForm
from app.workforce.models import OrganisationSettings, Staff

bp = Blueprint("workforce", __name__, template_folder="templates")

STATUS_CHOICES = {"in-post": "In post today", "left": "Left", "all": "All"}


@bp.route("/staff")
@roles_required(Role.HR_ADMIN)
def staff_list():
    args = request.args
    filters = queries.StaffFilters(
        search=args.get("q", "").strip(),
        band=args.get("band", "") if args.get("band", "") in (*BANDS, "none") else "",
        staff_group=args.get("staff_group", "")
        if args.get("staff_group") in STAFF_GROUP_NAMES
        else "",
        board=args.get("board", "")
        if args.get("board") in ("any", "none", *BOARD_ROLE_NAMES)
        else "",
        status=args.get("status", "in-post") if args.get("status") in STATUS_CHOICES else "in-post",
    )
    page = paginate_keyset(
        lambda: queries.staff_list_rows(
            queries.staff_list_query(scoped_by_parameter(Staff), filters)
        ),
        current_app.config["PAGE_SIZE"],
        queries.STAFF_ORDER,
        whole_rows=True,
        # Built once per process for each way the filters apply (app/pagination.py).
        shape=queries.staff_list_shape(filters),
        parameters={**queries.staff_list_parameters(filters), **scope_parameters()},
    )
    return render_template(
        "workforce/staff_list.html",
        page=page,
        filters=filters,
        bands=[(b, band_name(b)) for b in BANDS],
        staff_groups=STAFF_GROUP_NAMES,
        board_roles=BOARD_ROLE_NAMES,
        statuses=STATUS_CHOICES,
    )


@bp.route("/staff/<int:staff_id>")
@roles_required(Role.HR_ADMIN)
@writes
def staff_detail(staff_id: int):
    staff = get_scoped_or_404(Staff, staff_id)
    if not can_view_staff(current_user, staff):
        abort(403)
    # Person-level ethnicity is special category data: every view of it is on the record.
    audit.record(staff.organisation_id, current_user, "staff.ethnicity_viewed", "staff", staff.id)
    db.session.commit()
    return render_template(
        "workforce/staff_detail.html",
        staff=staff,
        user=queries.user_for_staff(staff),
        versions=history.versions(staff.id),
    )


@bp.route("/imports", methods=["GET", "POST"])
@roles_required(Role.HR_ADMIN)
def import_history():
    form = StaffUploadForm()
    problems = None
    if form.validate_on_submit():
        done, problems = run_upload(
            form, services.import_staff, "staff", as_at=form.as_at.data or None
        )
        if done:
            return redirect(url_for("workforce.import_history"))
    history = paginate(
        scoped(DataImport).order_by(DataImport.imported_at.desc(), DataImport.id.desc()),
        current_app.config["PAGE_SIZE"],
    )
    status = 400 if problems or form.errors else 200
    return render_template(
        "workforce/imports.html",
        form=form,
        problems=problems,
        history=history,
        import_kinds=IMPORT_KINDS,
        jobs=import_jobs.jobs_for(current_user.organisation_id, ["staff"]),
    ), status


@bp.route("/imports/jobs/<int:job_id>")
@roles_required(Role.HR_ADMIN)
def import_job(job_id: int):
    job = get_scoped_or_404(import_jobs.ImportJob, job_id)
    back = {
        "staff": url_for("workforce.import_history"),
        "mentoring": url_for("mentoring.imports_page"),
        "survey": url_for("survey.imports_page"),
        "disciplinary": url_for("wres_return.imports_page", kind="disciplinary"),
        "training": url_for("wres_return.imports_page", kind="training"),
    }.get(job.kind, url_for("recruitment.imports_page"))
    return render_template("workforce/import_job.html", job=job, back=back)


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(Role.HR_ADMIN)
def settings():
    current = db.session.scalar(
        select(OrganisationSettings).where(
            OrganisationSettings.organisation_id == current_user.organisation_id
        )
    )
    form = SettingsForm(obj=current) if request.method == "GET" else SettingsForm()
    if request.method == "GET":
        form.default_turnover.data = current.default_turnover * 100
        form.panel_rule_min_band.data = current.panel_rule_min_band or ""
        form.organisation_type.data = current_user.organisation.organisation_type
        form.size_band.data = current_user.organisation.size_band
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in services.SETTING_FIELDS}
        values["default_turnover"] = (form.default_turnover.data / Decimal(100)).quantize(
            Decimal("0.0001")
        )
        values["panel_rule_min_band"] = form.panel_rule_min_band.data or None
        changed = services.update_settings(current, values, current_user)
        changed += services.set_peer_group(
            current_user.organisation,
            form.organisation_type.data,
            form.size_band.data,
            current_user,
        )
        db.session.commit()
        flash(f"Settings saved ({len(changed)} changed)." if changed else "No settings changed.")
        return redirect(url_for("workforce.settings"))
    return render_template("workforce/settings.html", form=form), 400 if form.errors else 200
