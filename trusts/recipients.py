"""Who is told: the one table of alert kinds and the people each reaches, and the one way to send them.

Every notification the app sends names its kind here. ``alert(...)`` resolves the kind's audiences for the
school(s) and provider the alert is about, and notifies each person once (``trusts.services.notify``). The
table is shown, read-only, on the trust policy page, so a trust can see who hears about what.

Audiences:
- the school's DSLs: the designated safeguarding leads (and deputies) of the school; where the school has
  none, the trust's DSLs, so a safeguarding alert never falls on nobody;
- the trust's DSLs: the trust-wide DSLs, always;
- the head, the AP lead, the attendance officer: of the school;
- the provider's staff: the active staff accounts of the provider;
- the trust admins: the central team;
- the person the record names: a visit's visitor, or the person an alert about their own account is for
  (``person=``, one user or several).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from trusts.models import Membership
from trusts.roles import Role


class Audience(StrEnum):
    SCHOOL_DSL = "school_dsl"
    TRUST_DSL = "trust_dsl"
    HEADTEACHER = "headteacher"
    AP_LEAD = "ap_lead"
    ATTENDANCE_OFFICER = "attendance_officer"
    PROVIDER_STAFF = "provider_staff"
    TRUST_ADMIN = "trust_admin"
    PERSON = "person"

    @property
    def label(self) -> str:
        return AUDIENCE_LABELS[self]


AUDIENCE_LABELS = {
    Audience.SCHOOL_DSL: "the school's DSLs (the trust's DSLs where the school has none)",
    Audience.TRUST_DSL: "the trust's DSLs",
    Audience.HEADTEACHER: "the headteacher",
    Audience.AP_LEAD: "the AP lead",
    Audience.ATTENDANCE_OFFICER: "the attendance officer",
    Audience.PROVIDER_STAFF: "the provider's staff",
    Audience.TRUST_ADMIN: "the trust admins",
    Audience.PERSON: "the person the record names (a visit's visitor, the person whose account changed)",
}
_SCHOOL_ROLE = {
    Audience.HEADTEACHER: Role.HEADTEACHER,
    Audience.AP_LEAD: Role.AP_LEAD,
    Audience.ATTENDANCE_OFFICER: Role.ATTENDANCE_OFFICER,
}


@dataclass(frozen=True)
class AlertKind:
    label: str
    audiences: tuple[Audience, ...]
    urgent: bool = False


A = Audience
ALERTS: dict[str, AlertKind] = {
    # --- Attendance: the chase chain ------------------------------------------------------------------
    "attendance.mark_missing": AlertKind(
        "A register not marked in time", (A.PROVIDER_STAFF, A.ATTENDANCE_OFFICER)
    ),
    "attendance.mark_missing_vulnerable": AlertKind(
        "A vulnerable pupil's register not marked in time",
        (A.PROVIDER_STAFF, A.ATTENDANCE_OFFICER, A.SCHOOL_DSL),
        urgent=True,
    ),
    "attendance.unaccounted": AlertKind(
        "A vulnerable pupil still not accounted for after the next interval",
        (A.HEADTEACHER, A.SCHOOL_DSL),
        urgent=True,
    ),
    "attendance.absence": AlertKind("A pupil absent", (A.ATTENDANCE_OFFICER,)),
    "attendance.absence_vulnerable": AlertKind(
        "A vulnerable pupil absent", (A.ATTENDANCE_OFFICER, A.SCHOOL_DSL, A.TRUST_DSL), urgent=True
    ),
    "attendance.follow_up_overdue": AlertKind(
        "An absence not followed up in time", (A.SCHOOL_DSL, A.TRUST_DSL), urgent=True
    ),
    "attendance.consecutive": AlertKind(
        "Consecutive absences: a possible child missing education",
        (A.HEADTEACHER, A.SCHOOL_DSL, A.TRUST_DSL),
        urgent=True,
    ),
    # --- Placements -----------------------------------------------------------------------------------
    "placements.incident": AlertKind("A behaviour incident reported", (A.AP_LEAD, A.SCHOOL_DSL)),
    "placements.emergency_review": AlertKind(
        "An emergency review called after repeated incidents", (A.AP_LEAD, A.SCHOOL_DSL), urgent=True
    ),
    "placements.review": AlertKind("A review due or overdue", (A.AP_LEAD,)),
    "placements.sla_unsigned": AlertKind(
        "A service level agreement not yet signed", (A.AP_LEAD, A.HEADTEACHER)
    ),
    "placements.part_time_review": AlertKind("A part-time timetable due for review", (A.AP_LEAD,)),
    # --- Safeguarding ---------------------------------------------------------------------------------
    "safeguarding.concern_raised": AlertKind(
        "A safeguarding concern raised", (A.SCHOOL_DSL, A.TRUST_DSL), urgent=True
    ),
    "safeguarding.concern_escalated": AlertKind(
        "A safeguarding concern not acknowledged in time", (A.HEADTEACHER, A.TRUST_DSL), urgent=True
    ),
    # --- Agreements -----------------------------------------------------------------------------------
    "placements.proposed": AlertKind("A referral proposed to the provider", (A.PROVIDER_STAFF,)),
    "placements.referral_answered": AlertKind(
        "The provider accepted or declined a referral", (A.AP_LEAD, A.HEADTEACHER)
    ),
    "placements.sla_to_sign": AlertKind(
        "An agreement version waiting for both sides' signatures", (A.HEADTEACHER, A.PROVIDER_STAFF)
    ),
    "placements.sla_signed": AlertKind("An agreement signed by both sides", (A.AP_LEAD, A.PROVIDER_STAFF)),
    "placements.provider_report_due": AlertKind(
        "A provider's half-termly progress report due", (A.PROVIDER_STAFF,)
    ),
    "placements.provider_report_overdue": AlertKind(
        "A provider's half-termly progress report overdue", (A.PROVIDER_STAFF, A.AP_LEAD)
    ),
    "placements.referral_form_overdue": AlertKind(
        "A part of the referral form not completed in time", (A.AP_LEAD,)
    ),
    "placements.initial_assessment_due": AlertKind(
        "A provider's initial assessment due (within a week of the start)", (A.PROVIDER_STAFF,)
    ),
    "placements.initial_assessment_overdue": AlertKind(
        "A provider's initial assessment overdue", (A.PROVIDER_STAFF, A.AP_LEAD)
    ),
    "placements.causing_concern": AlertKind(
        "A placement marked as causing concern (by the school or the provider)",
        (A.AP_LEAD, A.HEADTEACHER, A.PROVIDER_STAFF),
        urgent=True,
    ),
    "placements.causing_concern_cleared": AlertKind(
        "A placement no longer causing concern", (A.AP_LEAD, A.PROVIDER_STAFF)
    ),
    "placements.behaviour_update_due": AlertKind(
        "A weekly behaviour update due (placement causing concern)", (A.PROVIDER_STAFF,)
    ),
    "placements.behaviour_update_overdue": AlertKind(
        "A weekly behaviour update overdue", (A.PROVIDER_STAFF, A.AP_LEAD)
    ),
    "placements.behaviour_update_written": AlertKind("A weekly behaviour update written", (A.AP_LEAD,)),
    # --- Providers ------------------------------------------------------------------------------------
    "providers.evidence_uploaded": AlertKind("A provider uploaded evidence to verify", (A.TRUST_ADMIN,)),
    "providers.evidence_expiring": AlertKind(
        "A provider's evidence about to expire", (A.TRUST_ADMIN, A.PROVIDER_STAFF)
    ),
    "providers.provider_lapsed": AlertKind(
        "A provider's approval lapsed (evidence expired)",
        (A.TRUST_ADMIN, A.PROVIDER_STAFF, A.SCHOOL_DSL),
        urgent=True,
    ),
    # --- Quality assurance ----------------------------------------------------------------------------
    "qa.visit_reminder": AlertKind("A planned QA visit coming up", (A.PERSON,)),
    "qa.visit_overdue": AlertKind("A provider's QA visit overdue", (A.PERSON, A.TRUST_ADMIN)),
    "qa.action_due": AlertKind("An improvement action coming due", (A.PROVIDER_STAFF, A.PERSON)),
    "qa.action_overdue": AlertKind("An improvement action overdue", (A.PROVIDER_STAFF, A.PERSON)),
    "qa.action_response": AlertKind("A provider responded to an improvement action", (A.PERSON,)),
    "qa.provider_flagged": AlertKind(
        "A provider flagged by quality assurance: a decision is needed", (A.TRUST_ADMIN,), urgent=True
    ),
    # --- Retention ------------------------------------------------------------------------------------
    "retention.review_due": AlertKind(
        "Records past their retention period: a deletion to check and confirm", (A.TRUST_ADMIN,)
    ),
    # --- People and schools ---------------------------------------------------------------------------
    "people.two_factor_reset": AlertKind(
        "Your two-factor sign-in was reset by a trust admin", (A.PERSON,), urgent=True
    ),
    "people.role_changed": AlertKind("Your role in the trust changed", (A.PERSON,)),
    "people.staff_requested": AlertKind("A provider asks for a staff account", (A.TRUST_ADMIN,)),
    # The school's own staff recorded the closure; the providers whose pupils were expected are told.
    "calendar.closure": AlertKind(
        "A school closed on a school day (no register expected)", (A.PROVIDER_STAFF,)
    ),
}
del A


def alert_kind(kind: str) -> AlertKind:
    try:
        return ALERTS[kind]
    except KeyError:
        raise KeyError(f"No such alert kind in trusts.recipients.ALERTS: {kind!r}") from None


class Directory:
    """The active trust's active memberships, read once, answering "who is told" for any school or provider.

    A job that sends many alerts builds one Directory and passes it to each ``alert`` call, so resolving
    recipients costs one query per run, not one per alert.
    """

    def __init__(self):
        self._required = None
        self._emails_off = defaultdict(set)
        self._school = defaultdict(lambda: defaultdict(list))
        self._provider = defaultdict(list)
        self._trust = defaultdict(list)
        for m in Membership.objects.active().select_related("user").order_by("pk"):
            if m.alert_emails_off:
                self._emails_off[m.user_id].update(m.alert_emails_off)
            if m.role == Role.PROVIDER_STAFF:
                self._provider[m.provider_id].append(m.user)
            elif m.school_id:
                self._school[m.school_id][m.role].append(m.user)
            else:
                self._trust[m.role].append(m.user)

    def no_email(self, kind: str, trust_id: int) -> set[int]:
        """The ids of the people who chose no email for ``kind``; none when the trust's policy requires it (the
        policy is read only when someone has chosen, once per directory)."""
        off = {user_id for user_id, kinds in self._emails_off.items() if kind in kinds}
        if not off:
            return set()
        if self._required is None:
            from trusts.selectors import trust_policy

            self._required = set(trust_policy(trust_id).required_alert_kinds or [])
        return set() if kind in self._required else off

    def _audience(self, audience: Audience, school_ids, provider_id, people=()) -> list:
        if audience == Audience.PERSON:
            return list(people)
        if audience == Audience.TRUST_ADMIN:
            return self._trust[Role.TRUST_ADMIN]
        if audience == Audience.TRUST_DSL:
            return self._trust[Role.DSL]
        if audience == Audience.PROVIDER_STAFF:
            return self._provider[provider_id] if provider_id else []
        if audience == Audience.SCHOOL_DSL:
            people = []
            for school_id in school_ids:
                people += self._school[school_id][Role.DSL] or self._trust[Role.DSL]
            return people
        role = _SCHOOL_ROLE[audience]
        return [user for school_id in school_ids for user in self._school[school_id][role]]

    def people(self, kind: str, *, school_ids=(), provider_id=None, named=()) -> list:
        """The users ``kind`` reaches about these schools and this provider, each once, in a stable order.
        ``named``: the people the record itself names, for kinds addressed to them."""
        seen, users = set(), []
        for audience in alert_kind(kind).audiences:
            for user in self._audience(audience, list(school_ids), provider_id, named):
                if user.pk not in seen:
                    seen.add(user.pk)
                    users.append(user)
        return users


def _named(person) -> list:
    if person is None:
        return []
    people = person if isinstance(person, list | tuple | set) else [person]
    return [user for user in people if user is not None]


def recipients(
    kind: str, *, school=None, schools=(), provider=None, person=None, directory: Directory | None = None
):
    """Who ``kind`` reaches about ``school`` (or ``schools``), ``provider`` and ``person`` (a user or several:
    the people the record names)."""
    school_ids = [s.pk for s in ([school] if school is not None else [])] + [s.pk for s in schools]
    return (directory or Directory()).people(
        kind,
        school_ids=school_ids,
        provider_id=provider.pk if provider is not None else None,
        named=_named(person),
    )


def alert(
    *,
    kind: str,
    trust,
    key: str,
    subject: str,
    body: str,
    url: str = "",
    school=None,
    schools=(),
    provider=None,
    person=None,
    urgent: bool | None = None,
    directory: Directory | None = None,
) -> int:
    """Tell everyone ``kind`` reaches, once each (``key`` names the subject, e.g. ``absence:4711``).

    Returns how many notifications were new: a re-run, or a second worker, sends nothing again.
    """
    from trusts.services import notify

    spec = alert_kind(kind)
    created = 0
    directory = directory or Directory()
    people = recipients(
        kind, school=school, schools=schools, provider=provider, person=person, directory=directory
    )
    no_email = directory.no_email(kind, trust.pk) if people else set()
    for user in people:
        _, new = notify(
            trust=trust,
            recipient=user,
            key=key,
            kind=kind,
            subject=subject,
            body=body,
            url=url,
            urgent=spec.urgent if urgent is None else urgent,
            email=user.pk not in no_email,
        )
        created += new
    return created


@dataclass(frozen=True)
class Subject:
    """One thing an alert is about, for ``alert_each``: the same arguments ``alert`` takes for one."""

    key: str
    subject: str
    body: str
    url: str = ""
    school: object = None
    schools: tuple = ()
    provider: object = None
    person: object = None
    urgent: bool | None = None


def alert_each(*, kind: str, trust, subjects, directory: Directory | None = None) -> int:
    """``alert`` for many subjects of one kind at once, as a job sends them: the people resolved from one
    Directory, the notifications written in one statement a few hundred (those already sent are skipped by
    their unique key, so a re-run sends nothing again), and their emails queued in one task. A fixed number of
    queries however many subjects there are. Returns how many notifications were new."""
    from trusts.services import notify_each

    spec = alert_kind(kind)
    directory = directory or Directory()
    notes = []
    for item in subjects:
        people = recipients(
            kind,
            school=item.school,
            schools=item.schools,
            provider=item.provider,
            person=item.person,
            directory=directory,
        )
        if not people:
            continue
        no_email = directory.no_email(kind, trust.pk)
        urgent = spec.urgent if item.urgent is None else item.urgent
        notes += [
            {
                "recipient": user,
                "key": item.key,
                "subject": item.subject,
                "body": item.body,
                "url": item.url,
                "urgent": urgent,
                "email": user.pk not in no_email,
            }
            for user in people
        ]
    return notify_each(trust=trust, kind=kind, notes=notes)


def alerts_table() -> list[dict]:
    """The table for the trust policy page: each kind, who it reaches, and whether it is urgent."""
    return [
        {
            "kind": kind,
            "label": spec.label,
            "audiences": [a.label for a in spec.audiences],
            "urgent": spec.urgent,
        }
        for kind, spec in ALERTS.items()
    ]


_AUDIENCES_OF_ROLE = {
    Role.TRUST_ADMIN: {Audience.TRUST_ADMIN},
    Role.HEADTEACHER: {Audience.HEADTEACHER},
    Role.AP_LEAD: {Audience.AP_LEAD},
    Role.ATTENDANCE_OFFICER: {Audience.ATTENDANCE_OFFICER},
    Role.DSL: {Audience.SCHOOL_DSL, Audience.TRUST_DSL},
    Role.PROVIDER_STAFF: {Audience.PROVIDER_STAFF},
    Role.GOVERNOR: set(),
}


def kinds_reaching(role) -> list[str]:
    """The alert kinds that can reach someone in ``role`` (alerts about their own account reach everyone)."""
    audiences = _AUDIENCES_OF_ROLE.get(role, set()) | {Audience.PERSON}
    return [kind for kind, spec in ALERTS.items() if audiences & set(spec.audiences)]
