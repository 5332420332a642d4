"""Sign-in, your account, and HR's user management. Thin: parse, call a service, commit once."""

import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, or_, select

from app.accounts import services
from app.accounts.forms import (
    ChangePasswordForm,
    DisableForm,
    InviteUserForm,
    LoginForm,
    RolesForm,
    SetPasswordForm,
)
from app.accounts.models import User, UserRole
from app.accounts.permissions import can_manage_user, login_required, roles_required
from app.accounts.redirects import safe_next
from app.accounts.roles import ROLE_NAMES, Role
from app.accounts.scoping import get_scoped_or_404, scoped
from app.extensions import db, limiter, login_manager
from app.pagination import paginate

bp = Blueprint("accounts", __name__, template_folder="templates")
login_manager.user_loader(services.load_user)
login_manager.session_protection = "strong"


@bp.before_app_request
def end_idle_sessions():
    """Sign out a session left alone longer than IDLE_TIMEOUT."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    now = time.time()
    last_active = session.get("last_active", now)
    if now - last_active > current_app.config["IDLE_TIMEOUT"].total_seconds():
        logout_user()
        session.clear()
        flash("You were signed out because you had not used the service for a while.")
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    session["last_active"] = now
    return None


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _failed(response) -> bool:
    # Only failed attempts count: a successful sign-in redirects.
    return response.status_code != 302


def _email_key() -> str:
    return "sign-in:" + services.normalise_email(request.form.get("email", ""))


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed, key_func=_email_key)
def login():
    next_path = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_path)
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user:
            session.clear()  # a fresh session on sign-in: nothing carried over from before
            login_user(user, remember=False)
            session.permanent = True
            session["last_active"] = time.time()
            db.session.commit()
            return redirect(next_path)
        error = "The email address or password is not right"
    return render_template("accounts/login.html", form=form, error=error), 200


def too_many_attempts(_limit):
    """Throttled sign-in: same page, what was typed kept, a clear reason."""
    form = LoginForm()
    error = "Too many sign-in attempts. Wait a few minutes, then try again."
    return render_template("accounts/login.html", form=form, error=error), 429


@bp.route("/sign-out", methods=["POST"])
def logout():
    logout_user()
    session.clear()
    flash("You have signed out.")
    return redirect(url_for("accounts.login"))


@bp.route("/account")
@login_required
def account():
    staff = services.staff_record_for(current_user)
    return render_template("accounts/account.html", staff=staff)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except services.AccountError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # the new identity for this session
            flash("Your password has been changed. Any other sessions have been signed out.")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    user = services.user_for_invitation(token)
    if user is None:
        return render_template("accounts/invitation_invalid.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            services.accept_invitation(user, form.new_password.data)
        except services.AccountError as exc:
            form.new_password.errors.append(str(exc))
        else:
            db.session.commit()
            flash("Your password is set. Sign in to continue.")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/set_password.html", form=form, user=user)


# HR: users of the organisation


@bp.route("/users")
@roles_required(Role.HR_ADMIN)
def user_list():
    query = scoped(User).order_by(User.full_name, User.email)
    search = request.args.get("q", "").strip()
    role = request.args.get("role", "")
    status = request.args.get("status", "")
    if search:
        like = f"%{search.lower()}%"
        query = query.where(or_(func.lower(User.full_name).like(like), User.email.like(like)))
    if role in {r.value for r in Role}:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    if status == "disabled":
        query = query.where(User.disabled.is_(True))
    elif status == "active":
        query = query.where(User.disabled.is_(False))
    page = paginate(query, current_app.config["PAGE_SIZE"])
    return render_template(
        "accounts/user_list.html",
        page=page,
        search=search,
        role=role,
        status=status,
        role_names=ROLE_NAMES,
    )


@bp.route("/users/invite", methods=["GET", "POST"])
@roles_required(Role.HR_ADMIN)
def invite_user():
    form = InviteUserForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                current_user.organisation_id,
                form.email.data,
                [Role(r) for r in form.roles.data],
                form.full_name.data,
                actor=current_user,
            )
        except services.AccountError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            token = services.issue_invitation(
                user, current_app.config["INVITATION_DAYS"], current_user
            )
            db.session.commit()
            return render_template(
                "accounts/invitation_link.html",
                user=user,
                link=url_for("accounts.accept_invitation", token=token, _external=True),
            )
    return render_template("accounts/invite.html", form=form)


def _managed_user(user_id: int) -> User:
    user = get_scoped_or_404(User, user_id)
    if not can_manage_user(current_user, user):
        abort(403)
    return user


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.HR_ADMIN)
def user_detail(user_id: int):
    user = get_scoped_or_404(User, user_id)
    manageable = can_manage_user(current_user, user)
    form = RolesForm(data={"roles": [r.value for r in user.roles]})
    if request.method == "POST":
        if not manageable:
            abort(403)
        if form.validate_on_submit():
            services.set_roles(user, [Role(r) for r in form.roles.data], current_user)
            db.session.commit()
            flash(f"Roles for {user.display_name} saved.")
            return redirect(url_for("accounts.user_detail", user_id=user.id))
    staff = services.staff_record_for(user)
    return render_template(
        "accounts/user_detail.html", user=user, form=form, staff=staff, manageable=manageable
    )


@bp.route("/users/<int:user_id>/disable", methods=["GET", "POST"])
@roles_required(Role.HR_ADMIN)
def disable_user(user_id: int):
    user = _managed_user(user_id)
    form = DisableForm()
    if form.validate_on_submit():
        services.set_disabled(user, True, current_user, form.reason.data or None)
        db.session.commit()
        flash(f"{user.display_name}'s account is disabled and their sessions have ended.")
        return redirect(url_for("accounts.user_detail", user_id=user.id))
    return render_template("accounts/disable.html", user=user, form=form)


@bp.route("/users/<int:user_id>/enable", methods=["POST"])
@roles_required(Role.HR_ADMIN)
def enable_user(user_id: int):
    user = _managed_user(user_id)
    services.set_disabled(user, False, current_user)
    db.session.commit()
    flash(f"{user.display_name}'s account is enabled again.")
    return redirect(url_for("accounts.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/invitation", methods=["POST"])
@roles_required(Role.HR_ADMIN)
def reissue_invitation(user_id: int):
    user = _managed_user(user_id)
    if user.disabled:
        abort(403)
    token = services.issue_invitation(user, current_app.config["INVITATION_DAYS"], current_user)
    db.session.commit()
    return render_template(
        "accounts/invitation_link.html",
        user=user,
        link=url_for("accounts.accept_invitation", token=token, _external=True),
    )
