"""Starting a trust: the operator's ``create_trust`` and the go-live checklist its first admin works through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django_scopes import scope

from trusts.errors import DomainError
from trusts.models import Invitation, Membership, School, Term, Trust, TrustPolicy
from trusts.roles import Role


def trust_onboard(*, name: str, admin_email: str, slug: str = "", kind: str = Trust.Kind.MAT):
    """A new trust with its policy at the defaults, and an invitation for its first admin. Returns (trust,
    the invitation link). For the platform operator (the ``create_trust`` command)."""
    from trusts.people import invitation_create
    from trusts.services import trust_create

    name = " ".join(name.split())
    if not name:
        raise DomainError("Give the trust's name.")
    slug = slugify(slug or name)[:60]
    if Trust.objects.filter(Q(name__iexact=name) | Q(slug=slug)).exists():
        raise DomainError(f"A trust called {name} (or with the address name {slug}) exists already.")
    if kind not in Trust.Kind.values:
        raise DomainError("The kind is mat (multi-academy trust) or sat (single-academy trust).")
    trust = trust_create(name=name, slug=slug, kind=kind)
    with scope(trust=trust.pk):
        _, link = invitation_create(by=None, trust=trust, email=admin_email, role=Role.TRUST_ADMIN)
    return trust, link


@dataclass
class Step:
    label: str
    done: bool
    detail: str
    url: str
    required: bool = True


def academic_start_year(today: date) -> int:
    return today.year if today.month >= 8 else today.year - 1


def go_live_checklist(trust_id: int, *, today: date | None = None) -> list[Step]:
    """What the trust still needs before it can go live, in five queries however many schools it has."""
    today = today or timezone.localdate()
    schools = list(School.objects.all())
    people = list(
        Membership.objects.active()
        .filter(role__in=[Role.HEADTEACHER, Role.DSL, Role.TRUST_ADMIN])
        .values_list("role", "school_id")
    )
    invited = list(
        Invitation.objects.pending()
        .filter(role__in=[Role.HEADTEACHER, Role.DSL])
        .values_list("role", "school_id")
    )
    terms = list(Term.objects.filter(end_date__gte=today).values_list("school_id", "start_date", "end_date"))
    policy_changes = TrustPolicy.history.filter(trust_id=trust_id).count()

    def has(role, school_id, rows):
        return any(r == role and s == school_id for r, s in rows)

    no_head = [s.name for s in schools if not has(Role.HEADTEACHER, s.pk, people + invited)]
    trust_dsl = has(Role.DSL, None, people + invited)
    no_dsl = [] if trust_dsl else [s.name for s in schools if not has(Role.DSL, s.pk, people + invited)]
    # A school is covered when it (or the trust for it) has a term that has not ended yet.
    no_terms = [s.name for s in schools if not any(sid in (None, s.pk) for sid, _, _ in terms)]
    admins = sum(1 for r, s in people if r == Role.TRUST_ADMIN)

    def missing(names):
        return "Still missing for: " + ", ".join(names) + "." if names else "Done."

    return [
        Step(
            "Add the trust's schools",
            bool(schools),
            f"{len(schools)} school{'s' if len(schools) != 1 else ''}." if schools else "No school yet.",
            reverse("school_create"),
        ),
        Step(
            "Invite each school's headteacher",
            bool(schools) and not no_head,
            missing(no_head) if schools else "Add a school first.",
            reverse("person_invite"),
        ),
        Step(
            "Invite a DSL for each school (or one for the whole trust)",
            bool(schools) and not no_dsl,
            missing(no_dsl) if schools else "Add a school first.",
            reverse("person_invite"),
        ),
        Step(
            "Set this year's term dates",
            bool(schools) and not no_terms,
            missing(no_terms) if schools else "Add a school first.",
            reverse("term_dates"),
        ),
        Step(
            "Check the trust policy",
            policy_changes > 1,
            "Saved."
            if policy_changes > 1
            else "The defaults follow statutory guidance: check and save them.",
            reverse("trust_policy"),
        ),
        Step(
            "A second trust admin, so the trust is never locked out",
            admins > 1,
            f"{admins} trust admin{'s' if admins != 1 else ''}.",
            reverse("person_invite"),
            required=False,
        ),
    ]
