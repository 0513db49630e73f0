"""People pages: the trust's people and invitations, one person's page, accepting an invitation, and the
signed-in person's own account (password, authenticator, alert emails)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scope

from trusts import people
from trusts.access import get_visible_or_404
from trusts.errors import DomainError
from trusts.models import Invitation, Membership, PersonEvent
from trusts.onboarding import go_live_checklist
from trusts.people_forms import (
    AcceptExistingForm,
    AcceptNewForm,
    EmailChoicesForm,
    InviteForm,
    ReasonForm,
    RoleForm,
    StaffRequestForm,
)
from trusts.permissions import has_perm, member_required, permission_required
from trusts.recipients import kinds_reaching
from trusts.selectors import trust_policy
from trusts.services import ACTIVE_MEMBERSHIP_SESSION_KEY


class PasswordResetView(auth_views.PasswordResetView):
    """The link in the email uses the configured site address (SITE_URL), not whatever host the request
    named."""

    def form_valid(self, form):
        self.extra_email_context = {"site_url": settings.SITE_URL}
        return super().form_valid(form)


def _refused(request, error: DomainError):
    messages.error(request, error.message)
    for problem in error.problems:
        if problem != error.message:
            messages.warning(request, problem)


def _person_or_404(request, person_pk) -> Membership:
    return get_visible_or_404(
        Membership.objects.select_related("user", "school", "provider", "ended_by"),
        request.membership,
        pk=person_pk,
    )


@permission_required("people.read")
def people_list(request):
    memberships = (
        Membership.objects.visible_to(request.membership)
        .select_related("user", "school", "provider")
        .order_by("-is_active", "user__last_name", "user__first_name", "role")
    )
    invitations = (
        Invitation.objects.visible_to(request.membership)
        .pending()
        .select_related("school", "provider", "invited_by")
        .order_by("-created_at")
    )
    awaiting = (
        Invitation.objects.visible_to(request.membership)
        .awaiting_approval()
        .select_related("provider", "invited_by")
        .order_by("created_at")
    )
    return render(
        request,
        "trusts/people_list.html",
        {"people": memberships, "invitations": invitations, "awaiting": awaiting},
    )


@permission_required("people.read")
def person_detail(request, person_pk):
    membership = _person_or_404(request, person_pk)
    others = (
        Membership.objects.visible_to(request.membership)
        .filter(user_id=membership.user_id)
        .exclude(pk=membership.pk)
        .select_related("school", "provider")
    )
    events = (
        PersonEvent.objects.visible_to(request.membership)
        .filter(person_id=membership.user_id)
        .select_related("actor", "school")[:100]
    )
    has_device = TOTPDevice.objects.filter(user_id=membership.user_id, confirmed=True).exists()
    return render(
        request,
        "trusts/person_detail.html",
        {
            "member": membership,
            "others": others,
            "events": events,
            "has_device": has_device,
            "role_form": RoleForm(
                membership=request.membership,
                initial={
                    "role": membership.role,
                    "school": membership.school_id,
                    "provider": membership.provider_id,
                },
            ),
            "reason_form": ReasonForm(),
        },
    )


@permission_required("people.manage")
def person_invite(request):
    form = InviteForm(request.POST or None, membership=request.membership)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation, _link = people.invitation_create(
                by=request.membership,
                email=data["email"],
                role=data["role"],
                school=data.get("school"),
                provider=data.get("provider"),
                first_name=data["first_name"],
                last_name=data["last_name"],
                job_title=data["job_title"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"An invitation is on its way to {invitation.email}. The link works once, for "
                f"{people.INVITATION_VALID_FOR.days} days.",
            )
            return redirect("people_list")
    return render(request, "trusts/person_invite.html", {"form": form})


@permission_required("people.manage")
@require_POST
def invitation_withdraw(request, invitation_pk):
    invitation = get_visible_or_404(Invitation.objects, request.membership, pk=invitation_pk)
    try:
        people.invitation_withdraw(invitation=invitation, by=request.membership)
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(
            request, f"The invitation to {invitation.email} is withdrawn; its link no longer works."
        )
    return redirect("people_list")


@permission_required("people.approve_staff")
@require_POST
def invitation_approve(request, invitation_pk):
    invitation = get_visible_or_404(Invitation.objects, request.membership, pk=invitation_pk)
    try:
        people.staff_invitation_approve(invitation=invitation, by=request.membership)
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, f"Approved: the invitation is on its way to {invitation.email}.")
    return redirect("people_list")


@permission_required("provider_staff.request")
def staff_request(request):
    """A provider's lead contact asks the trust for a colleague's account."""
    form = StaffRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = people.staff_invitation_request(by=request.membership, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"Asked: once the trust approves, {invitation.email} gets an email with a link to set up "
                "their account.",
            )
            return redirect("staff_request")
    requests = (
        Invitation.objects.visible_to(request.membership)
        .select_related("approved_by")
        .order_by("-created_at")
    )
    return render(request, "trusts/staff_request.html", {"form": form, "requests": requests})


@permission_required("people.manage")
@require_POST
def person_role(request, person_pk):
    membership = _person_or_404(request, person_pk)
    form = RoleForm(request.POST, membership=request.membership)
    if form.is_valid():
        try:
            people.membership_change_role(
                membership=membership,
                by=request.membership,
                role=form.cleaned_data["role"],
                school=form.cleaned_data.get("school"),
                provider=form.cleaned_data.get("provider"),
            )
        except DomainError as error:
            _refused(request, error)
        else:
            messages.success(request, "The role is changed.")
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    return redirect("person_detail", person_pk=membership.pk)


def _access_change(service, done: str):
    @permission_required("people.manage")
    @require_POST
    def view(request, person_pk):
        membership = _person_or_404(request, person_pk)
        kwargs = {}
        if service is people.membership_suspend:
            form = ReasonForm(request.POST)
            kwargs["reason"] = form.cleaned_data["reason"] if form.is_valid() else ""
        try:
            service(membership=membership, by=request.membership, **kwargs)
        except DomainError as error:
            _refused(request, error)
        else:
            name = membership.user.get_full_name() or membership.user.email
            messages.success(request, done.format(name=name))
        return redirect("person_detail", person_pk=membership.pk)

    view.__name__ = service.__name__
    return view


person_suspend = _access_change(
    people.membership_suspend, "{name}'s access is suspended; they were signed out at once."
)
person_reinstate = _access_change(people.membership_reinstate, "{name} has access again.")
person_remove = _access_change(
    people.membership_remove, "{name}'s access is removed; they were signed out at once. The history stays."
)


@permission_required("people.reset_two_factor")
@require_POST
def person_two_factor_reset(request, person_pk):
    membership = _person_or_404(request, person_pk)
    try:
        people.two_factor_reset(membership=membership, by=request.membership)
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            "Two-factor sign-in is reset: the person sets up a new device at their next sign-in, and has been told.",
        )
    return redirect("person_detail", person_pk=membership.pk)


# --- Accepting an invitation (no sign-in needed) ---------------------------------------------------------


def _first_page(membership) -> str:
    """A trust admin of a trust that is not ready to go live starts at the set-up checklist; everyone else at
    their home page. (Two-factor set-up, where the role needs it, comes first either way.)"""
    if has_perm(membership, "trust.setup"):
        with scope(trust=membership.trust_id):
            steps = go_live_checklist(membership.trust_id)
        if not all(step.done for step in steps if step.required):
            return reverse("trust_setup")
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def invitation_accept(request, token):
    invitation = people.invitation_by_token(token)
    problem = people.invitation_problem(invitation)
    if problem:
        return render(
            request, "trusts/invitation_accept.html", {"problem": problem}, status=410 if invitation else 404
        )
    existing = people.existing_user_for(invitation)
    form_class = AcceptExistingForm if existing else AcceptNewForm
    initial = {"first_name": invitation.first_name, "last_name": invitation.last_name}
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user, membership = people.invitation_accept(
                token=token,
                password=form.password,
                first_name=form.cleaned_data.get("first_name", ""),
                last_name=form.cleaned_data.get("last_name", ""),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            request.session[ACTIVE_MEMBERSHIP_SESSION_KEY] = membership.pk
            messages.success(request, f"Welcome to AP Commission. You are {membership}.")
            return redirect(_first_page(membership))
    return render(
        request,
        "trusts/invitation_accept.html",
        {"invitation": invitation, "form": form, "existing": existing},
    )


# --- One's own account ----------------------------------------------------------------------------------


@member_required
def my_account(request):
    membership = request.membership
    kinds = kinds_reaching(membership.role)
    required = set(trust_policy(membership.trust_id).required_alert_kinds or [])
    opted_out = set(membership.alert_emails_off or [])
    form = EmailChoicesForm(request.POST or None, kinds=kinds, opted_out=opted_out, required=required)
    if request.method == "POST" and form.is_valid():
        people.email_choices_save(membership=membership, opted_out=form.opted_out())
        messages.success(request, "Your alert emails are saved.")
        return redirect("my_account")
    return render(
        request,
        "trusts/my_account.html",
        {
            "form": form,
            "has_device": TOTPDevice.objects.filter(user=request.user, confirmed=True).exists(),
        },
    )


@member_required
def my_password(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        people.own_password_changed(user=request.user, membership=request.membership)
        messages.success(request, "Your password is changed.")
        return redirect("my_account")
    return render(request, "trusts/my_password.html", {"form": form})


@member_required
@require_POST
def my_two_factor_replace(request):
    if not TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        raise Http404("No device to replace.")
    people.own_two_factor_replace(user=request.user, membership=request.membership)
    messages.info(request, "Your old authenticator no longer works. Set up the new one now.")
    return redirect("two_factor_setup")
