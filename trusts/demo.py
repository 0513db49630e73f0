"""Demo trusts, schools, calendars and people. Deterministic and idempotent: every row is found by a natural
key before it is created, and nothing that exists is changed."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from trusts.models import AcademicYear, ClosureDay, Membership, School, Term, Trust, TrustPolicy
from trusts.roles import TWO_FACTOR_ROLES, Role

DEMO_PASSWORD = "AP-demo-2026!"
EMAIL_DOMAIN = "example.org"


@dataclass(frozen=True)
class DemoSchool:
    slug: str
    name: str
    urn: str
    phase: str
    local_authority: str


@dataclass(frozen=True)
class DemoTrust:
    slug: str
    name: str
    kind: str
    schools: tuple[DemoSchool, ...]


TRUSTS = (
    DemoTrust(
        "nlt",
        "Northfield Learning Trust",
        Trust.Kind.MAT,
        (
            DemoSchool("northfield", "Northfield Academy", "140001", School.Phase.SECONDARY, "Leeds"),
            DemoSchool("kirkgate", "Kirkgate Academy", "140002", School.Phase.SECONDARY, "Leeds"),
            DemoSchool("hollins", "Hollins Primary Academy", "140003", School.Phase.PRIMARY, "Bradford"),
        ),
    ),
    DemoTrust(
        "rat",
        "Riverside Academy Trust",
        Trust.Kind.SAT,
        (DemoSchool("riverside", "Riverside Academy", "140101", School.Phase.SECONDARY, "Manchester"),),
    ),
)

# (academic year, start, end, [(term, start, end, half-term start, half-term end)])
CALENDAR = (
    (
        "2025/26",
        date(2025, 9, 1),
        date(2026, 8, 31),
        [
            ("autumn", date(2025, 9, 3), date(2025, 12, 19), date(2025, 10, 27), date(2025, 10, 31)),
            ("spring", date(2026, 1, 5), date(2026, 3, 27), date(2026, 2, 16), date(2026, 2, 20)),
            ("summer", date(2026, 4, 13), date(2026, 7, 22), date(2026, 5, 25), date(2026, 5, 29)),
        ],
    ),
    (
        "2026/27",
        date(2026, 9, 1),
        date(2027, 8, 31),
        [
            ("autumn", date(2026, 9, 2), date(2026, 12, 18), date(2026, 10, 26), date(2026, 10, 30)),
            ("spring", date(2027, 1, 4), date(2027, 3, 25), date(2027, 2, 15), date(2027, 2, 19)),
            ("summer", date(2027, 4, 12), date(2027, 7, 21), date(2027, 5, 31), date(2027, 6, 4)),
        ],
    ),
    (
        "2027/28",
        date(2027, 9, 1),
        date(2028, 8, 31),
        [
            ("autumn", date(2027, 9, 1), date(2027, 12, 17), date(2027, 10, 25), date(2027, 10, 29)),
            ("spring", date(2028, 1, 4), date(2028, 3, 31), date(2028, 2, 14), date(2028, 2, 18)),
            ("summer", date(2028, 4, 18), date(2028, 7, 20), date(2028, 5, 29), date(2028, 6, 2)),
        ],
    ),
)
TRUST_CLOSURES = (
    (date(2025, 11, 21), ClosureDay.Kind.INSET, "Trust training day"),
    (date(2026, 6, 26), ClosureDay.Kind.INSET, "Trust training day"),
    (date(2026, 11, 27), ClosureDay.Kind.INSET, "Trust training day"),
    (date(2027, 1, 4), ClosureDay.Kind.INSET, "Trust training day"),
)
SCHOOL_CLOSURES = (("hollins", date(2026, 12, 3), ClosureDay.Kind.CLOSURE, "Polling station"),)

FIRST_NAMES = [
    "Amira",
    "Ben",
    "Chloe",
    "Dev",
    "Ellen",
    "Femi",
    "Grace",
    "Harun",
    "Isla",
    "Jonah",
    "Kerry",
    "Lewis",
    "Maya",
    "Nadia",
    "Owen",
    "Priya",
    "Rhys",
    "Sana",
    "Tom",
    "Una",
    "Victor",
    "Wen",
    "Yusuf",
    "Zoe",
    "Adam",
    "Bethan",
    "Callum",
    "Dina",
    "Eli",
    "Farah",
]
LAST_NAMES = [
    "Ahmed",
    "Bell",
    "Carter",
    "Dixon",
    "Evans",
    "Fraser",
    "Gill",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lowe",
    "Moss",
    "Nolan",
    "Okafor",
    "Patel",
    "Quinn",
    "Reid",
    "Shaw",
    "Taylor",
]

SCHOOL_ROLES = (
    (Role.HEADTEACHER, "head", "Headteacher"),
    (Role.AP_LEAD, "aplead", "AP lead"),
    (Role.ATTENDANCE_OFFICER, "attendance", "Attendance officer"),
    (Role.DSL, "dsl", "Designated safeguarding lead"),
    (Role.GOVERNOR, "governor", "Governor"),
)
TRUST_ROLES = (
    (Role.TRUST_ADMIN, "admin", "Director of inclusion"),
    (Role.DSL, "dsl", "Trust safeguarding lead"),
    (Role.GOVERNOR, "governor", "Trustee"),
)


def totp_key_for(username: str) -> str:
    """A fixed key per demo account, so scripts and browser tests can compute its codes."""
    return hashlib.sha1(f"apcommission-demo-totp:{username}".encode()).hexdigest()


def totp_secret_base32(hex_key: str) -> str:
    return base64.b32encode(bytes.fromhex(hex_key)).decode()


class DemoPeople:
    """Hands out names in a fixed order and remembers every account for the --json listing."""

    def __init__(self):
        self.count = 0
        self.accounts: list[dict] = []

    def person(self, *, username, role, trust, school=None, provider=None, job_title="") -> Membership:
        User = get_user_model()
        first = FIRST_NAMES[self.count % len(FIRST_NAMES)]
        last = LAST_NAMES[(self.count * 7) % len(LAST_NAMES)]
        self.count += 1
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username=username,
                email=f"{username}@{EMAIL_DOMAIN}",
                password=DEMO_PASSWORD,
                first_name=first,
                last_name=last,
            )
        membership, _ = Membership.objects.get_or_create(
            user=user,
            trust=trust,
            role=role,
            school=school,
            defaults={"job_title": job_title, "provider": provider},
        )
        secret = None
        if role in TWO_FACTOR_ROLES:
            key = totp_key_for(username)
            TOTPDevice.objects.get_or_create(
                user=user, name="Demo authenticator", defaults={"key": key, "confirmed": True}
            )
            secret = totp_secret_base32(key)
        self.accounts.append(
            {
                "username": username,
                "role": role.value if hasattr(role, "value") else role,
                "trust": trust.name,
                "school": school.name if school else None,
                "totp_secret": secret,
            }
        )
        return membership


def seed(people: DemoPeople) -> dict:
    """Create the demo trusts. Returns {trust slug: Trust} and {school slug: School} for later apps' seeds."""
    from trusts.services import trust_create

    trusts, schools = {}, {}
    for spec in TRUSTS:
        trust = Trust.objects.filter(slug=spec.slug).first() or trust_create(
            name=spec.name, slug=spec.slug, kind=spec.kind
        )
        trusts[spec.slug] = trust
        for s in spec.schools:
            school, _ = School.objects.get_or_create(
                urn=s.urn,
                defaults={
                    "trust": trust,
                    "name": s.name,
                    "phase": s.phase,
                    "local_authority": s.local_authority,
                },
            )
            schools[s.slug] = school
        _seed_calendar(trust, {s.slug: schools[s.slug] for s in spec.schools})
        for role, handle, title in TRUST_ROLES:
            people.person(username=f"{spec.slug}.{handle}", role=role, trust=trust, job_title=title)
        for s in spec.schools:
            for role, handle, title in SCHOOL_ROLES:
                people.person(
                    username=f"{s.slug}.{handle}",
                    role=role,
                    trust=trust,
                    school=schools[s.slug],
                    job_title=title,
                )
    # One person in both trusts, to show switching between them.
    for spec in TRUSTS:
        people.person(
            username="sam.consultant",
            role=Role.GOVERNOR,
            trust=trusts[spec.slug],
            job_title="Trustee (shared)",
        )
    return {"trusts": trusts, "schools": schools}


def _seed_calendar(trust, schools):
    TrustPolicy.objects.get_or_create(trust=trust)
    for name, start, end, terms in CALENDAR:
        year, _ = AcademicYear.objects.get_or_create(
            trust=trust, name=name, defaults={"start_date": start, "end_date": end}
        )
        for term_name, t_start, t_end, ht_start, ht_end in terms:
            Term.objects.get_or_create(
                trust=trust,
                academic_year=year,
                name=term_name,
                defaults={
                    "start_date": t_start,
                    "end_date": t_end,
                    "half_term_start": ht_start,
                    "half_term_end": ht_end,
                },
            )
    for day, kind, reason in TRUST_CLOSURES:
        ClosureDay.objects.get_or_create(
            trust=trust, school=None, date=day, defaults={"kind": kind, "reason": reason}
        )
    for slug, day, kind, reason in SCHOOL_CLOSURES:
        if slug in schools:
            ClosureDay.objects.get_or_create(
                trust=trust, school=schools[slug], date=day, defaults={"kind": kind, "reason": reason}
            )
