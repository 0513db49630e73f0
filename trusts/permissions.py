"""Who may do what: the one table of named actions and the roles that hold them.

Views guard themselves with ``permission_required(action)``, templates ask ``{% if can.placement.agree %}``
(the ``can`` context variable) and services call ``require(by, action)``; none of them names a role. A role
holding an action is necessary, not always sufficient: which records a person reaches is still narrowed by
``visible_to`` (their school or provider), and some actions depend on the record's state as well.

``tests/trusts/test_permissions_table.py`` walks the whole table through the URLs: every action x every
role, granted and denied.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from trusts.errors import DomainError
from trusts.roles import Role

ALL_ROLES = frozenset(Role)
# Everyone on the school side: every role but provider staff.
SCHOOL_SIDE = ALL_ROLES - {Role.PROVIDER_STAFF}
# The school-side roles that work with pupils' records day to day. Governors read anonymised reports only.
PUPIL_WORKERS = frozenset(
    {Role.TRUST_ADMIN, Role.HEADTEACHER, Role.AP_LEAD, Role.ATTENDANCE_OFFICER, Role.DSL}
)
# The people who build and run placements.
PLACEMENT_MANAGERS = frozenset({Role.TRUST_ADMIN, Role.HEADTEACHER, Role.AP_LEAD})
TRUST_ADMIN = frozenset({Role.TRUST_ADMIN})
PROVIDER = frozenset({Role.PROVIDER_STAFF})
QA_VISITORS = frozenset({Role.TRUST_ADMIN, Role.HEADTEACHER, Role.AP_LEAD, Role.DSL})
# The people a head gives access to at their own school (the trust's team gives every other role).
SCHOOL_ASSIGNABLE_ROLES = frozenset({Role.AP_LEAD, Role.ATTENDANCE_OFFICER, Role.DSL, Role.GOVERNOR})

PERMISSIONS: dict[str, frozenset[Role]] = {
    # --- Trust ------------------------------------------------------------------------------------------
    "trust_policy.edit": TRUST_ADMIN,
    "access_log.read": frozenset({Role.TRUST_ADMIN, Role.DSL}),
    # What the retention job found due for deletion: listed for, and deleted only when confirmed by, the
    # central team.
    "retention.confirm": TRUST_ADMIN,
    # --- People and schools -----------------------------------------------------------------------------
    # A head reads and manages the people of their own school only (``visible_to``), giving only
    # SCHOOL_ASSIGNABLE_ROLES there; "people.manage_trust_wide" is every other role, trust-wide or anywhere.
    "people.read": frozenset({Role.TRUST_ADMIN, Role.HEADTEACHER}),
    "people.manage": frozenset({Role.TRUST_ADMIN, Role.HEADTEACHER}),
    "people.manage_trust_wide": TRUST_ADMIN,
    "people.reset_two_factor": TRUST_ADMIN,
    # A provider's lead contact asks for colleagues' accounts; the trust approves (the service checks the
    # lead contact: the staff member whose email is the provider's contact email).
    "provider_staff.request": PROVIDER,
    "people.approve_staff": TRUST_ADMIN,
    "trust.setup": TRUST_ADMIN,
    "school.edit": TRUST_ADMIN,
    "calendar.read": SCHOOL_SIDE,
    "term.edit": TRUST_ADMIN,
    # Heads record their own school's closures (a snow day); trust admins any school's or the whole trust's.
    "closure.record": frozenset({Role.TRUST_ADMIN, Role.HEADTEACHER}),
    # --- Providers --------------------------------------------------------------------------------------
    "provider.list": SCHOOL_SIDE,
    # Provider staff read their own provider's page; ``visible_to`` keeps them to it.
    "provider.read": ALL_ROLES,
    "provider.read_own": PROVIDER,
    "provider.edit": TRUST_ADMIN,
    "provider.approve": TRUST_ADMIN,
    "provider.import": TRUST_ADMIN,
    "provider_staff.manage": TRUST_ADMIN,
    "checklist.read": SCHOOL_SIDE,
    "checklist.answer": TRUST_ADMIN,
    "checklist_template.edit": TRUST_ADMIN,
    # Governors read the register's statuses, not the providers' documents.
    "evidence.read": ALL_ROLES - {Role.GOVERNOR},
    "evidence.upload": frozenset({Role.TRUST_ADMIN, Role.PROVIDER_STAFF}),
    "evidence.verify": TRUST_ADMIN,
    # --- Pupils -----------------------------------------------------------------------------------------
    "pupil.read": PUPIL_WORKERS,
    # Child protection, looked-after, child in need, health: only the roles whose work needs them.
    "pupil.read_sensitive": frozenset({Role.TRUST_ADMIN, Role.HEADTEACHER, Role.AP_LEAD, Role.DSL}),
    "pupil.edit": PLACEMENT_MANAGERS,
    "pupil.import": PLACEMENT_MANAGERS,
    # --- Placements -------------------------------------------------------------------------------------
    "placement.read": PUPIL_WORKERS | PROVIDER,
    "placement.edit": PLACEMENT_MANAGERS,
    # Only the head sanctions a placement (as only the head may exclude).
    "placement.agree": frozenset({Role.HEADTEACHER}),
    "placement.census_export": PLACEMENT_MANAGERS,
    # --- Agreements -------------------------------------------------------------------------------------
    # The referral form (pupil characteristics, safeguarding picture, attendance, attainment): the school's.
    "referral_form.edit": PLACEMENT_MANAGERS,
    "referral_form.read": PUPIL_WORKERS,
    # The provider's staff answer a referral made to their provider.
    "referral.respond": PROVIDER,
    # Both parties read the agreement (and its versions and signatures); ``visible_to`` keeps provider staff
    # to their own placements.
    "sla.read": PUPIL_WORKERS | PROVIDER,
    "sla.build": PLACEMENT_MANAGERS,
    # Each side signs for itself. For the school, the headteacher, and the AP lead where the trust's policy
    # allows (TrustPolicy.school_signatory_roles); for the provider, its staff with authority to sign
    # (Membership.may_sign_agreements).
    "sla.sign_for_school": frozenset({Role.HEADTEACHER, Role.AP_LEAD}),
    "sla.sign_for_provider": PROVIDER,
    # The first weeks: the set-up meeting and the initial assessment (the provider's or the school's), the
    # home/school agreement (recorded by the school).
    "setup_meeting.record": PLACEMENT_MANAGERS | PROVIDER,
    "initial_assessment.record": PLACEMENT_MANAGERS | PROVIDER,
    "home_school.record": PLACEMENT_MANAGERS,
    "home_school.read": PUPIL_WORKERS | PROVIDER,
    # Private documents on a placement: the school's, some shared with the provider (``visible_to``).
    "attachment.upload": PLACEMENT_MANAGERS,
    "attachment.read": PUPIL_WORKERS | PROVIDER,
    "notice.read": PUPIL_WORKERS,
    "notice.issue": PLACEMENT_MANAGERS,
    "review.manage": PLACEMENT_MANAGERS,
    # Suspensions of more than five days need provision from the sixth day (the notice: "notice.issue").
    "suspension.record": PLACEMENT_MANAGERS,
    # Half-termly reports and behaviour incidents come from the provider, and from the school's own staff.
    "provider_report.write": PLACEMENT_MANAGERS | PROVIDER,
    "incident.report": PLACEMENT_MANAGERS | PROVIDER,
    # A placement "causing concern": marked by the school or raised by the provider's staff, cleared by the
    # school alone; meanwhile the provider's staff write a weekly behaviour and attitude update.
    "causing_concern.mark": PLACEMENT_MANAGERS | PROVIDER,
    "causing_concern.clear": PLACEMENT_MANAGERS,
    "behaviour_update.write": PROVIDER,
    # --- Safeguarding -----------------------------------------------------------------------------------
    # Anyone who works with the pupil raises a concern; the person who raised one sees that one only.
    "concern.raise": PUPIL_WORKERS | PROVIDER,
    # Concerns are read, acknowledged, acted on and closed by DSLs alone.
    "concern.read": frozenset({Role.DSL}),
    "concern.manage": frozenset({Role.DSL}),
    # What the provider needs to know (medical, SEND, risks, contacts, who may collect): written and confirmed
    # by the school; provider staff read it on their placement page while the placement is live.
    "brief.share": PLACEMENT_MANAGERS | frozenset({Role.DSL}),
    # A pupil's chronology (concerns, incidents, absences, placement changes, reviews) is a DSL's record.
    "chronology.read": frozenset({Role.DSL}),
    # --- Attendance -------------------------------------------------------------------------------------
    "register.mark": PROVIDER,
    "attendance.read": PUPIL_WORKERS,
    "attendance.set_code": frozenset({Role.ATTENDANCE_OFFICER, Role.HEADTEACHER}),
    "attendance.export": frozenset({Role.ATTENDANCE_OFFICER, Role.HEADTEACHER, Role.TRUST_ADMIN}),
    "follow_up.record": frozenset({Role.ATTENDANCE_OFFICER, Role.HEADTEACHER, Role.DSL}),
    "register_arrangement.edit": frozenset({Role.AP_LEAD, Role.HEADTEACHER, Role.ATTENDANCE_OFFICER}),
    # --- Quality assurance ------------------------------------------------------------------------------
    # The schedule and the visit records; provider staff read their own provider's finished reports.
    "qa_schedule.read": PUPIL_WORKERS,
    "qa_visit.read": PUPIL_WORKERS | PROVIDER,
    # Who visits: the central team and the school leaders who commission and safeguard.
    "qa_visit.record": QA_VISITORS,
    "qa_framework.edit": TRUST_ADMIN,
    "qa_action.read": PUPIL_WORKERS | PROVIDER,
    "qa_action.respond": PROVIDER,
    "qa_action.close": QA_VISITORS,
    "qa_flag.decide": TRUST_ADMIN,
    # --- Dashboards -------------------------------------------------------------------------------------
    "dashboard.trust": TRUST_ADMIN,
    "dashboard.school": frozenset({Role.HEADTEACHER, Role.AP_LEAD, Role.ATTENDANCE_OFFICER}),
    "dashboard.safeguarding": frozenset({Role.DSL}),
    "dashboard.governor": frozenset({Role.GOVERNOR}),
    "dashboard.provider": PROVIDER,
    # --- Reports ----------------------------------------------------------------------------------------
    # The termly report is anonymised; school-bound roles reach their own school's only (``visible_to``),
    # the trust-wide report needs a trust-wide membership as well.
    "report.termly": frozenset({Role.GOVERNOR, Role.TRUST_ADMIN, Role.HEADTEACHER, Role.AP_LEAD}),
    "report.overview": TRUST_ADMIN,
    # Invoices from providers: the AP lead checks them against the sessions; the trust admin sees the spend.
    "invoice.read": PLACEMENT_MANAGERS,
    "invoice.record": PLACEMENT_MANAGERS,
    "invoice.decide": PLACEMENT_MANAGERS,
}


def roles_for(action: str) -> frozenset[Role]:
    try:
        return PERMISSIONS[action]
    except KeyError:
        raise KeyError(f"No such action in trusts.permissions.PERMISSIONS: {action!r}") from None


def has_perm(membership, action: str) -> bool:
    """Whether ``membership``'s role holds ``action``. Unknown actions raise, so a typo never grants."""
    allowed = roles_for(action)
    return membership is not None and membership.role in allowed


def may_manage_person(membership, *, role, school_id) -> bool:
    """Whether ``membership`` may give, change or end access in ``role`` at ``school_id`` (None: trust-wide).
    Trust admins: anyone ("people.manage_trust_wide"); heads: SCHOOL_ASSIGNABLE_ROLES at their own school."""
    if has_perm(membership, "people.manage_trust_wide"):
        return True
    return (
        has_perm(membership, "people.manage")
        and membership.school_id is not None
        and school_id == membership.school_id
        and role in SCHOOL_ASSIGNABLE_ROLES
    )


def roles_assignable_by(membership) -> list[Role]:
    """The roles ``membership`` may give (at the schools ``visible_to`` lets them choose)."""
    if has_perm(membership, "people.manage_trust_wide"):
        return list(Role)
    if has_perm(membership, "people.manage"):
        return [role for role in Role if role in SCHOOL_ASSIGNABLE_ROLES]
    return []


def require(membership, action: str, message: str = "Your role does not allow this.") -> None:
    """For services: refuse with a DomainError unless the acting membership holds ``action``."""
    if not has_perm(membership, action):
        raise DomainError(message)


def member_required(view=None):
    """Signed in with an active membership (any role); otherwise 403. For pages every member has."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if getattr(request, "membership", None) is None:
                raise PermissionDenied("Choose a trust first.")
            return view(request, *args, **kwargs)

        wrapped.member_only = True
        return wrapped

    return decorator(view) if view is not None else decorator


def permission_required(action: str):
    """Signed in, with an active membership whose role holds ``action``; otherwise 403."""
    roles_for(action)  # fail at import time on an unknown action

    def decorator(view):
        @member_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_perm(request.membership, action):
                raise PermissionDenied("Your role does not give access to this page.")
            return view(request, *args, **kwargs)

        wrapped.permission_action = action
        return wrapped

    return decorator


# Every leading part of a dotted action ("placement" of "placement.agree"): what ``can.placement`` may name.
_ACTION_GROUPS = frozenset(
    ".".join(parts[:n])
    for parts in (action.split(".") for action in PERMISSIONS)
    for n in range(1, len(parts))
)


class Can:
    """``{% if can.placement.agree %}`` in templates: the actions of one membership, by dotted name."""

    def __init__(self, membership, prefix: str = ""):
        self._membership = membership
        self._prefix = prefix

    def __getitem__(self, name: str):
        action = f"{self._prefix}{name}"
        if action in PERMISSIONS:
            return has_perm(self._membership, action)
        if action in _ACTION_GROUPS:
            return Can(self._membership, f"{action}.")
        raise KeyError(name)

    def __bool__(self):
        return self._membership is not None


def actions_table() -> list[tuple[str, list[str]]]:
    """The table as (action, role labels) rows, for pages that show who may do what."""
    return [(action, [Role(r).label for r in Role if r in roles]) for action, roles in PERMISSIONS.items()]
