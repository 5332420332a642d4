"""The chair's queue, the manager's writing page, the chair's review, the register."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from app import audit
from app.accounts.permissions import roles_required
from app.accounts.roles import Role
from app.accounts.scoping import current_organisation_id, get_scoped_or_404, scoped
from app.database import writes
from app.exports import attachment, csv_bytes
from app.extensions import db
from app.justifications import queries, services
from app.justifications.forms import ReviewForm, WriteForm
from app.justifications.models import OPEN_FOR_MANAGER, STATUSES, Justification
from app.justifications.presenters import StatusCells
from app.justifications.working_days import due_phrase
from app.pagination import paginate_keyset
from app.plain_text import control_character_problem
from app.text_limits import LONG_TEXT, too_long_message
from app.timeutil import today_london

bp = Blueprint("justifications", __name__, template_folder="templates")
READERS = (Role.CHAIR, Role.HR_ADMIN, Role.RECRUITING_MANAGER)


def _sees_all() -> bool:
    return current_user.has_role(Role.CHAIR, Role.HR_ADMIN)


@bp.route("/justifications")
@roles_required(*READERS)
def queue():
    bucket = request.args.get("status", "")
    bucket = bucket if bucket in queries.BUCKETS else ""
    search = request.args.get("q", "").strip()
    size = current_app.config["PAGE_SIZE"]
    organisation_id = current_organisation_id()
    manager_id = None if _sees_all() else current_user.id
    today = today_london()
    # The chair's queue opens on what the chair can act on; overdue items wait on managers,
    # so they are a separate list below rather than the top of the queue.
    reviewer_view = current_user.has_role(Role.CHAIR) and not bucket and not search
    counts = queries.bucket_counts(organisation_id, manager_id, today)
    listed = "submitted" if reviewer_view else bucket
    parameters = queries.queue_parameters(organisation_id, listed, search, manager_id, today)
    shape = queries.queue_shape(listed, parameters)
    # Without a search the list is one of the buckets just counted: not counted again.
    page = paginate_keyset(
        lambda: queries.queue_rows(shape),
        size,
        queries.queue_order(listed),
        total=counts[listed or "all"] if not search else None,
        whole_rows=True,
        # Built once per process for each bucket and set of parameters (app/pagination.py).
        shape=shape,
        parameters=parameters,
    )
    overdue = []
    if reviewer_view:
        overdue = [
            queries.queue_row(row, today)
            for row in db.session.execute(
                queries.overdue_rows(manager_id is not None, size),
                queries.queue_parameters(organisation_id, "overdue", "", manager_id, today),
            )
        ]
    page.items = [queries.queue_row(row, today) for row in page.items]
    return render_template(
        "justifications/queue.html",
        reviewer_view=reviewer_view,
        overdue=overdue,
        page=page,
        bucket=bucket,
        search=search,
        counts=counts,
        buckets=queries.BUCKETS,
        status_cells=StatusCells(),
    )


def _load(justification_id: int) -> Justification:
    justification = get_scoped_or_404(Justification, justification_id)
    if not services.can_view(current_user, justification):
        abort(403)
    return justification


@bp.route("/justifications/<int:justification_id>")
@roles_required(*READERS)
@writes
def detail(justification_id: int):
    justification = _load(justification_id)
    form = ReviewForm(formdata=None, version=justification.version)
    if not services.responsible(current_user, justification.owner):
        # The applicants it concerns are, by definition, BME: a read of person-level ethnicity.
        audit.record(
            justification.organisation_id,
            current_user,
            "justification.viewed",
            "justification",
            justification.id,
        )
        db.session.commit()
    return _detail_page(justification, form)


def _detail_page(justification, form, status=200):
    owner = justification.owner
    live_process = (
        services.process_followed(justification)
        if justification.status in OPEN_FOR_MANAGER
        else None
    )
    panels = {
        stage: services.recruitment.panel_for(owner, stage, create=False)
        for stage in ("shortlisting", "interview")
    }
    today = today_london()
    return render_template(
        "justifications/detail.html",
        due_words=due_phrase(justification.due_date, today),
        changes=services.changes(justification),
        justification=justification,
        owner=owner,
        live_process=live_process,
        panels=panels,
        statuses=STATUSES,
        others=[j for j in services.all_for_owner(owner) if j.id != justification.id],
        form=form,
        can_write=services.can_write(current_user, justification),
        can_review=services.can_review(current_user, justification),
        today=today,
    ), status


def _posted_reasons(justification) -> dict[int, services.Reason]:
    return {
        entry.application_id: services.Reason(
            request.form.get(f"reason-{entry.application_id}", ""),
            request.form.get(f"feedback-{entry.application_id}", ""),
        )
        for entry in justification.applicants
    }


def _text_problems(justification, reasons: dict[int, services.Reason]) -> dict[str, str]:
    """Control characters and text over the limit in what was typed, by the id of its box: the
    page shows each beside its applicant's box and links to it from the error summary."""
    problems = {}
    for entry in justification.applicants:
        given = reasons[entry.application_id]
        for box, label, text in (
            ("reason", "The reasons", given.reason),
            ("feedback", "The feedback", given.feedback),
        ):
            problem = control_character_problem(label, text, multi_line=True)
            if problem is None and len(text) > LONG_TEXT:
                problem = too_long_message(label, LONG_TEXT)
            if problem:
                problems[f"{box}-{entry.application_id}"] = problem
    return problems


@bp.route("/justifications/<int:justification_id>/write", methods=["GET", "POST"])
@roles_required(Role.RECRUITING_MANAGER)
def write(justification_id: int):
    justification = _load(justification_id)
    if not services.can_write(current_user, justification):
        abort(403)
    if justification.status == "superseded":
        flash(
            "This justification was superseded when the decision was changed; it is kept as it was."
        )
        return redirect(url_for("justifications.detail", justification_id=justification.id))
    if justification.status not in OPEN_FOR_MANAGER:
        flash("This justification has been submitted and can no longer be changed.")
        return redirect(url_for("justifications.detail", justification_id=justification.id))
    form = WriteForm()
    reasons = services.starting_text(justification)
    problems: dict[str, str] = {}
    message = None
    if request.method == "GET":
        form.version.data = justification.version
    elif problems := _text_problems(justification, typed := _posted_reasons(justification)):
        reasons = typed  # shown again as typed, each problem beside its applicant
    elif form.validate_on_submit():
        reasons = _posted_reasons(justification)
        submitting = request.form.get("action") == "submit"
        try:
            if submitting:
                problems = {
                    f"reason-{application_id}": problem
                    for application_id, problem in services.reason_problems(
                        justification, reasons
                    ).items()
                }
                services.submit(justification, current_user, reasons, form.version.data)
            else:
                services.save_draft(justification, current_user, reasons, form.version.data)
        except services.JustificationError as exc:
            db.session.rollback()
            if justification.status not in OPEN_FOR_MANAGER:
                # Another tab or a double click submitted it while this request waited.
                flash("This justification has already been submitted to the chair.")
                return redirect(url_for("justifications.detail", justification_id=justification.id))
            message = str(exc)
        else:
            db.session.commit()
            flash("Submitted to the chair." if submitting else "Draft saved.")
            if submitting:
                return redirect(url_for("justifications.detail", justification_id=justification.id))
            return redirect(url_for("justifications.write", justification_id=justification.id))
    else:
        message = "The form could not be read. Reload the page and try again."
    return render_template(
        "justifications/write.html",
        justification=justification,
        owner=justification.owner,
        form=form,
        reasons=reasons,
        problems=problems,
        message=message,
        process=services.process_followed(justification),
        limit=LONG_TEXT,
        last_review=justification.reviews[-1] if justification.reviews else None,
    ), 400 if (problems or message) else 200


@bp.route("/justifications/<int:justification_id>/review", methods=["POST"])
@roles_required(Role.CHAIR)
def review(justification_id: int):
    justification = _load(justification_id)
    if not services.can_review(current_user, justification):
        abort(403)
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            services.review(
                justification,
                current_user,
                form.outcome.data or "",
                form.note.data or "",
                form.referred_to.data or "",
                form.version.data,
            )
        except services.JustificationError as exc:
            db.session.rollback()
            justification = _load(justification_id)
            field = getattr(form, exc.field, None) if exc.field else None
            if field is not None:
                field.errors = [*field.errors, str(exc)]
            else:
                form.form_errors.append(str(exc))
            return _detail_page(justification, form, 400)
        db.session.commit()
        flash(f"Recorded: {STATUSES[justification.status].lower()}.")
        return redirect(url_for("justifications.queue"))
    return _detail_page(justification, form, 400)


@bp.route("/justifications/register.csv")
@roles_required(Role.CHAIR, Role.HR_ADMIN)
def register():
    rows = []
    query = queries.queue_query(scoped(Justification))
    for justification in db.session.scalars(query):
        owner = justification.owner
        last = justification.reviews[-1] if justification.reviews else None
        on_time = (
            justification.first_submitted_at is not None
            and justification.first_submitted_at.date() <= justification.due_date
        )
        rows.append(
            [
                justification.vacancy.reference if justification.vacancy else "",
                justification.batch.reference if justification.batch else "",
                owner.title if owner.kind == "vacancy" else owner.name,
                len(justification.applicants),
                STATUSES[justification.status],
                justification.decision_date,
                justification.due_date,
                justification.first_submitted_at.date() if justification.first_submitted_at else "",
                "yes" if on_time else "no",
                len(justification.submitted_versions),
                last.referred_to if last else "",
                last.note if last else "",
            ]
        )
    header = [
        "vacancy_reference",
        "batch_reference",
        "title",
        "applicants",
        "status",
        "decision_date",
        "due_date",
        "first_submitted",
        "submitted_on_time",
        "versions",
        "referred_to",
        "chair_note",
    ]
    return attachment(
        csv_bytes(header, rows),
        f"justification-register-{today_london().isoformat()}.csv",
        "text/csv",
    )
