"""People and their access: invitations, roles, suspending and removing access, two-factor resets.

Every change is kept as a ``PersonEvent`` (who did it, what, when) and shown on the person's page. Ending
someone's access also ends their sessions at once, so an open browser is refused on its next request. The
membership row itself is never deleted: the history of who had access stays.

A head manages the people of their own school only, and gives only ``SCHOOL_ASSIGNABLE_ROLES`` there; the
trust's admins manage everyone ("people.manage_trust_wide"). The last active trust admin cannot be removed,
suspended or given another role: a trust must never be left without someone who can run it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scope, scopes_disabled

from trusts import membership_cache, rls
from trusts.errors import DomainError
from trusts.models import Invitation, Membership, PersonEvent
from trusts.permissions import may_manage_person, require
from trusts.recipients import alert
from trusts.roles import Role

INVITATION_VALID_FOR = timedelta(days=7)
Action = PersonEvent.Action


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_url(token: str) -> str:
    from django.conf import settings

    return f"{settings.SITE_URL}{reverse('invitation_accept', kwargs={'token': token})}"


def person_event_record(*, membership=None, person=None, trust=None, by=None, action: str, detail: str = ""):
    """Keep one change to a person's access. ``by`` is the acting user (None: the person themselves, or the
    operator on the command line)."""
    if membership is not None:
        person, trust = membership.user, membership.trust
    return PersonEvent.objects.create(
        trust=trust,
        person=person,
        membership=membership,
        school_id=membership.school_id if membership is not None else None,
        actor=by,
        action=action,
        detail=detail[:300],
    )


def _describe(role, school=None, provider=None) -> str:
    where = provider or school
    label = Role(role).label
    return f"{label}, {where}" if where else f"{label}, trust-wide"


def _full_clean_membership(candidate: Membership) -> None:
    try:
        candidate.clean()
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from None


def _may_manage(by: Membership, *, role, school_id) -> bool:
    return may_manage_person(by, role=role, school_id=school_id)


def _refuse_unless_may_manage(by, membership):
    require(by, "people.manage", "Your role does not let you manage people.")
    if membership.trust_id != by.trust_id or not _may_manage(
        by, role=membership.role, school_id=membership.school_id
    ):
        raise DomainError("You can manage only the people of your own school.")


def _last_admin(membership: Membership) -> bool:
    """Whether ``membership`` is the only active trust-admin access of its trust."""
    if membership.role != Role.TRUST_ADMIN or not membership.is_active:
        return False
    others = Membership.objects.filter(
        trust_id=membership.trust_id, role=Role.TRUST_ADMIN, is_active=True, user__is_active=True
    ).exclude(pk=membership.pk)
    return not others.exists()


LAST_ADMIN = "This is the trust's last trust admin: give someone else the role first."


# --- Sessions -------------------------------------------------------------------------------------------


def end_sessions_of(user) -> int:
    """Sign ``user`` out everywhere now: delete every unexpired session that belongs to them (from the
    database and from the cache in front of it)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            store(session_key=session.session_key).delete()
            ended += 1
    membership_cache.forget(user.pk)
    return ended


def membership_end(*, membership: Membership, by: Membership | None) -> Membership:
    """End ``membership`` (no permission check: callers check theirs). The row stays, marked with who ended
    it and when; the person is signed out at once."""
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.ended_at is not None:
            raise DomainError("This person's access has already been removed.")
        if _last_admin(locked):
            raise DomainError(LAST_ADMIN)
        locked.is_active = False
        locked.ended_at = timezone.now()
        locked.ended_by = by.user if by is not None else None
        locked.save(update_fields=["is_active", "ended_at", "ended_by"])
        person_event_record(
            membership=locked,
            by=by.user if by is not None else None,
            action=Action.REMOVED,
            detail=_describe(locked.role, locked.school, locked.provider),
        )
        end_sessions_of(locked.user)
    membership.is_active, membership.ended_at, membership.ended_by = False, locked.ended_at, locked.ended_by
    return membership


# --- Invitations ----------------------------------------------------------------------------------------


def invitation_create(
    *,
    by: Membership | None,
    email: str,
    role: str,
    school=None,
    provider=None,
    first_name: str = "",
    last_name: str = "",
    job_title: str = "",
    trust=None,
) -> tuple[Invitation, str]:
    """Invite someone by email to a role. Returns the invitation and its link (only the link's hash is kept).

    ``by`` is None only for the operator's ``create_trust`` command, which names the trust."""
    trust = trust if by is None else by.trust
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError(f"“{email}” is not an email address.") from None
    if by is not None:
        require(by, "people.manage", "Your role does not let you invite people.")
        if not _may_manage(by, role=role, school_id=school.pk if school else None):
            raise DomainError(
                "You can invite people only to your own school, as AP lead, attendance officer, DSL or governor."
            )
    _full_clean_membership(Membership(trust=trust, role=role, school=school, provider=provider))
    if Membership.objects.filter(
        trust=trust,
        user__email__iexact=email,
        role=role,
        school=school,
        provider=provider,
        is_active=True,
    ).exists():
        raise DomainError(f"{email} already has this role here.")
    if (
        Invitation.objects.pending()
        .filter(trust=trust, email__iexact=email, role=role, school=school, provider=provider)
        .exists()
    ):
        raise DomainError(
            f"{email} has already been invited to this role: withdraw that invitation to send a new one."
        )
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = Invitation.objects.create(
        trust=trust,
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        role=role,
        school=school,
        provider=provider,
        job_title=job_title.strip(),
        token_hash=_hash(token),
        invited_by=by.user if by is not None else None,
        approved_at=now,
        approved_by=by.user if by is not None else None,
        expires_at=now + INVITATION_VALID_FOR,
    )
    link = invitation_url(token)
    if by is not None:
        from trusts.tasks import send_invitation

        send_invitation.delay(trust_id=trust.pk, invitation_id=invitation.pk, link=link)
    return invitation, link


def _is_lead_contact(membership: Membership) -> bool:
    """The provider's lead contact: its staff member whose email is the provider's contact email."""
    provider = membership.provider
    return (
        provider is not None
        and bool(provider.contact_email)
        and membership.user.email.strip().lower() == provider.contact_email.strip().lower()
    )


def staff_invitation_request(
    *, by: Membership, email: str, first_name: str = "", last_name: str = "", job_title: str = ""
) -> Invitation:
    """A provider's lead contact asks for an account for a colleague. Nothing is sent until a trust admin
    approves; the trust's admins are told."""
    require(by, "provider_staff.request", "Only a provider's staff can ask for a colleague's account.")
    if not _is_lead_contact(by):
        raise DomainError(
            "Only the provider's lead contact can ask for accounts: ask them, or the trust's admins."
        )
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError(f"“{email}” is not an email address.") from None
    provider = by.provider
    if Membership.objects.filter(
        user__email__iexact=email, provider_id=provider.pk, role=Role.PROVIDER_STAFF, is_active=True
    ).exists():
        raise DomainError(f"{email} already has an account for {provider}.")
    waiting = Invitation.objects.filter(
        email__iexact=email, provider_id=provider.pk, role=Role.PROVIDER_STAFF
    )
    if waiting.awaiting_approval().exists() or waiting.pending().exists():
        raise DomainError(f"{email} has already been asked for.")
    invitation = Invitation.objects.create(
        trust_id=by.trust_id,
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        role=Role.PROVIDER_STAFF,
        provider_id=provider.pk,
        job_title=job_title.strip(),
        # A placeholder no link can match: the real token is made when the trust approves.
        token_hash=f"awaiting-approval-{secrets.token_hex(20)}",
        invited_by=by.user,
        expires_at=timezone.now() + INVITATION_VALID_FOR,
    )
    alert(
        kind="people.staff_requested",
        trust=by.trust,
        key=f"staff_requested:{invitation.pk}",
        subject=f"{provider} asks for a staff account for {email}",
        body=(
            f"{by.user.get_full_name() or by.user.email}, {provider}'s lead contact, asks for an account for "
            f"{email}{f' ({invitation.job_title})' if invitation.job_title else ''}. Approve or refuse it on the "
            "people page."
        ),
        url=reverse("people_list"),
    )
    return invitation


def staff_invitation_approve(*, invitation: Invitation, by: Membership) -> tuple[Invitation, str]:
    """The trust approves a provider's request: the invitation gets its link, valid from now, and is sent."""
    require(by, "people.approve_staff", "Only a trust admin can approve a provider's request.")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    approved = Invitation.objects.filter(
        pk=invitation.pk, approved_at__isnull=True, revoked_at__isnull=True, accepted_at__isnull=True
    ).update(
        approved_at=now, approved_by=by.user, token_hash=_hash(token), expires_at=now + INVITATION_VALID_FOR
    )
    if not approved:
        raise DomainError("This request is not waiting for approval.")
    invitation.refresh_from_db()
    link = invitation_url(token)
    from trusts.tasks import send_invitation

    send_invitation.delay(trust_id=invitation.trust_id, invitation_id=invitation.pk, link=link)
    return invitation, link


def invitation_withdraw(*, invitation: Invitation, by: Membership) -> Invitation:
    """Withdraw an invitation (its link stops working), or refuse a provider's request."""
    require(by, "people.manage", "Your role does not let you manage people.")
    if not _may_manage(by, role=invitation.role, school_id=invitation.school_id):
        raise DomainError("You can manage only the people of your own school.")
    updated = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if not updated:
        raise DomainError("This invitation has already been used or withdrawn.")
    invitation.refresh_from_db()
    return invitation


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation a link names, before anyone is signed in: a deliberate cross-trust read (the token is
    the only key, and it reaches one row)."""
    with scopes_disabled(), rls.bypass():
        return (
            Invitation.objects.filter(token_hash=_hash(token or ""))
            .select_related("trust", "school", "provider", "invited_by")
            .first()
        )


def invitation_problem(invitation: Invitation | None) -> str | None:
    """Why a link cannot be used, in words for the person holding it; None when it can."""
    if invitation is None:
        return "This invitation link is not valid. Check that you copied all of it from the email."
    state = invitation.state()
    if state == "accepted":
        return "This invitation has already been used. Sign in with your email address and password."
    if state == "withdrawn":
        return "This invitation was withdrawn. Ask whoever invited you for a new one."
    if state == "awaiting approval":
        return "This invitation is waiting for the trust's approval."
    if state == "expired":
        return "This invitation has expired. Ask whoever invited you to send a new one."
    return None


def existing_user_for(invitation: Invitation):
    return get_user_model().objects.filter(email__iexact=invitation.email).order_by("pk").first()


def invitation_accept(
    *,
    token: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
) -> tuple[object, Membership]:
    """Use an invitation: a new person sets their password (an existing one proves theirs), and gets the
    membership. The link works once: the claim is one conditional update."""
    User = get_user_model()
    invitation = invitation_by_token(token)
    problem = invitation_problem(invitation)
    if problem:
        raise DomainError(problem)
    with transaction.atomic(), scope(trust=invitation.trust_id):
        claimed = Invitation.objects.filter(
            pk=invitation.pk,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            approved_at__isnull=False,
            expires_at__gt=timezone.now(),
        ).update(accepted_at=timezone.now())
        if not claimed:
            raise DomainError(invitation_problem(invitation_by_token(token)) or "This invitation was used.")
        user = existing_user_for(invitation)
        if user is not None:
            if not user.is_active or not user.check_password(password):
                raise DomainError(
                    f"An account for {invitation.email} exists already: enter its password to add this role."
                )
        else:
            user = User(
                username=invitation.email,
                email=invitation.email,
                first_name=(first_name or invitation.first_name).strip()[:150],
                last_name=(last_name or invitation.last_name).strip()[:150],
            )
            try:
                password_validation.validate_password(password, user)
            except ValidationError as error:
                raise DomainError(" ".join(error.messages)) from None
            user.set_password(password)
            try:
                with transaction.atomic():
                    user.save()
            except IntegrityError:
                raise DomainError(
                    f"An account named {invitation.email} exists already: sign in, then use the link again."
                ) from None
        membership = Membership.objects.filter(
            user=user,
            trust_id=invitation.trust_id,
            role=invitation.role,
            school_id=invitation.school_id,
        ).first()
        if membership is None:
            membership = Membership.objects.create(
                user=user,
                trust_id=invitation.trust_id,
                role=invitation.role,
                school_id=invitation.school_id,
                provider_id=invitation.provider_id,
                job_title=invitation.job_title,
            )
        else:
            membership.is_active = True
            membership.suspended_at = membership.ended_at = membership.ended_by = None
            membership.provider_id = invitation.provider_id
            membership.save(update_fields=["is_active", "suspended_at", "ended_at", "ended_by", "provider"])
        Invitation.objects.filter(pk=invitation.pk).update(accepted_by=user)
        inviter = invitation.invited_by
        person_event_record(
            membership=membership,
            by=user,
            action=Action.JOINED,
            detail=f"{_describe(invitation.role, invitation.school, invitation.provider)}; invited by "
            f"{(inviter.get_full_name() or inviter.email) if inviter else 'the platform operator'} "
            f"on {timezone.localtime(invitation.created_at):%d %b %Y}",
        )
    return user, membership


# --- Roles and access -----------------------------------------------------------------------------------


def membership_change_role(
    *, membership: Membership, by: Membership, role: str, school=None, provider=None
) -> Membership:
    _refuse_unless_may_manage(by, membership)
    if not _may_manage(by, role=role, school_id=school.pk if school else None):
        raise DomainError("You can give only AP lead, attendance officer, DSL or governor, at your school.")
    if membership.ended_at is not None:
        raise DomainError("This access was removed: invite the person again instead.")
    before = _describe(membership.role, membership.school, membership.provider)
    with transaction.atomic():
        locked = Membership.objects.select_for_update().select_related("user", "trust").get(pk=membership.pk)
        if role != Role.TRUST_ADMIN and _last_admin(locked):
            raise DomainError(LAST_ADMIN)
        locked.role, locked.school, locked.provider = role, school, provider
        _full_clean_membership(locked)
        try:
            with transaction.atomic():
                locked.save(update_fields=["role", "school", "provider"])
        except IntegrityError:
            raise DomainError("This person already has that role there.") from None
        after = _describe(role, school, provider)
        person_event_record(
            membership=locked, by=by.user, action=Action.ROLE_CHANGED, detail=f"{before} → {after}"
        )
        alert(
            kind="people.role_changed",
            trust=locked.trust,
            key=f"role_changed:{locked.pk}:{timezone.now().isoformat()}",
            subject=f"Your role in {locked.trust.name} is now {after}",
            body=f"{by.user.get_full_name() or by.user.email} changed your role from {before} to {after}.",
            url=reverse("my_account"),
            person=locked.user,
        )
    return locked


def membership_suspend(*, membership: Membership, by: Membership, reason: str = "") -> Membership:
    """Pause someone's access (for example during an investigation): they are signed out at once and can be
    given access back later."""
    _refuse_unless_may_manage(by, membership)
    if membership.pk == by.pk:
        raise DomainError("You cannot suspend your own access.")
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if not locked.is_active:
            raise DomainError("This access is not active.")
        if _last_admin(locked):
            raise DomainError(LAST_ADMIN)
        locked.is_active = False
        locked.suspended_at = timezone.now()
        locked.save(update_fields=["is_active", "suspended_at"])
        person_event_record(membership=locked, by=by.user, action=Action.SUSPENDED, detail=reason)
        end_sessions_of(locked.user)
    return locked


def membership_reinstate(*, membership: Membership, by: Membership) -> Membership:
    _refuse_unless_may_manage(by, membership)
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.is_active or locked.ended_at is not None:
            raise DomainError(
                "Only suspended access can be given back; removed access needs a new invitation."
            )
        locked.is_active = True
        locked.suspended_at = None
        locked.save(update_fields=["is_active", "suspended_at"])
        person_event_record(membership=locked, by=by.user, action=Action.REINSTATED)
    return locked


def membership_remove(*, membership: Membership, by: Membership) -> Membership:
    """End someone's access for good (a leaver): signed out at once, the history kept."""
    _refuse_unless_may_manage(by, membership)
    if membership.pk == by.pk:
        raise DomainError("You cannot remove your own access: ask another trust admin.")
    return membership_end(membership=membership, by=by)


def two_factor_reset(*, membership: Membership, by: Membership) -> int:
    """A lost phone: remove the person's authenticator devices, sign them out, and tell them. They set up a
    new device at their next sign-in."""
    require(by, "people.reset_two_factor", "Only a trust admin can reset two-factor sign-in.")
    if membership.trust_id != by.trust_id:
        raise DomainError("That person is not in this trust.")
    if membership.user_id == by.user_id:
        raise DomainError("Replace your own device from your account page.")
    user = membership.user
    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=user).delete()[0]
        removed += StaticDevice.objects.filter(user=user).delete()[0]
        end_sessions_of(user)
        person_event_record(
            membership=membership,
            by=by.user,
            action=Action.TWO_FACTOR_RESET,
            detail=f"{removed} device{'s' if removed != 1 else ''} removed",
        )
        alert(
            kind="people.two_factor_reset",
            trust=membership.trust,
            key=f"two_factor_reset:{user.pk}:{timezone.now().isoformat()}",
            subject="Your two-factor sign-in was reset",
            body=(
                f"{by.user.get_full_name() or by.user.email} reset your two-factor sign-in. At your next sign-in "
                "you will set up your authenticator app again. If you did not ask for this, tell your trust's "
                "admins at once."
            ),
            person=user,
        )
    return removed


# --- One's own account ----------------------------------------------------------------------------------


def own_two_factor_replace(*, user, membership: Membership | None) -> int:
    """The person replaces their own authenticator (a new phone): the old device goes, and they set up the
    new one straight away."""
    removed = TOTPDevice.objects.filter(user=user).delete()[0]
    if membership is not None:
        person_event_record(membership=membership, by=user, action=Action.TWO_FACTOR_REPLACED)
    return removed


def own_password_changed(*, user, membership: Membership | None) -> None:
    if membership is not None:
        person_event_record(membership=membership, by=user, action=Action.PASSWORD_CHANGED)


def invitation_email_send(*, invitation_id: int, link: str) -> bool:
    """Email the invitation link (the only copy of the token is in the link)."""
    from django.core.mail import send_mail

    invitation = (
        Invitation.objects.filter(pk=invitation_id, accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("trust", "school", "provider", "invited_by")
        .first()
    )
    if invitation is None:
        return False
    inviter = invitation.invited_by
    who = (inviter.get_full_name() or inviter.email) if inviter else "AP Commission"
    send_mail(
        subject=f"[{invitation.trust.name}] You are invited to AP Commission",
        message=(
            f"{who} has invited you to AP Commission as {_describe(invitation.role, invitation.school, invitation.provider)}"
            f" in {invitation.trust.name}.\n\n"
            f"Open this link to set your password and start: {link}\n\n"
            f"The link works once and until {timezone.localtime(invitation.expires_at):%d %B %Y, %H:%M}."
        ),
        from_email=None,
        recipient_list=[invitation.email],
    )
    return True


def email_choices_save(*, membership: Membership, opted_out: set[str]) -> None:
    """Keep a person's choice of alert emails for this membership. Kinds the trust's policy requires are
    never switched off, whatever is posted."""
    from trusts.recipients import kinds_reaching
    from trusts.selectors import trust_policy

    required = set(trust_policy(membership.trust_id).required_alert_kinds or [])
    allowed = set(kinds_reaching(membership.role)) - required
    membership.alert_emails_off = sorted(opted_out & allowed)
    Membership.objects.filter(pk=membership.pk).update(alert_emails_off=membership.alert_emails_off)
    membership_cache.forget(membership.user_id)
