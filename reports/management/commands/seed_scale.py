"""A large trust's year of data, written in bulk: the data the benchmark runs on.

At ``--factor 1``: 40 schools, 150 providers, 4,000 pupils, each with a placement somewhere in the twelve months
before today (most of a term or more, a few still to start), their timetables, expected sessions laid out to
the register horizon, about a million register marks, absence follow-ups, reviews, provider reports,
incidents, evidence, QA visits with actions, and notifications. Every size scales with ``--factor``.

Rows are written with ``bulk_create`` and, for the two big attendance tables, PostgreSQL's COPY; the model
history of seeded rows is not written (the seed is not anyone's change). Deterministic for a given factor and
day. It refuses to run twice for the same trust slug.
"""

from __future__ import annotations

import io
import random
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scopes_disabled

from attendance.models import AbsenceFollowUp, ExpectedSession, RegisterArrangement, RegisterMark
from placements.models import BehaviourIncident, Placement, ProviderReport, Pupil, Review, TimetableSession
from placements.rules import session_hours
from placements.upn import make_upn
from providers.models import Evidence, Provider
from providers.vetting_data import EVIDENCE_TYPES
from qa import services as qa_services
from qa.models import ImprovementAction, Visit
from trusts import calendar_cache
from trusts.calendar import calendars_for
from trusts.demo import CALENDAR, TRUST_CLOSURES
from trusts.models import AcademicYear, ClosureDay, Membership, Notification, School, Term
from trusts.roles import TWO_FACTOR_ROLES, Role
from trusts.services import trust_create

LONDON = ZoneInfo("Europe/London")
PASSWORD = "AP-scale-2026!"
HORIZON_DAYS = 28
INCIDENT_CATEGORIES = [
    c for c in BehaviourIncident.Category.values if c != BehaviourIncident.Category.NOT_RECORDED
]
FIRST = ["Amira", "Ben", "Chloe", "Dev", "Ellen", "Femi", "Grace", "Harun", "Isla", "Jonah", "Kerry", "Lewis"]
LAST = ["Ahmed", "Brown", "Clarke", "Davies", "Evans", "Fisher", "Green", "Hughes", "Iqbal", "Jones", "Khan"]
TIMETABLES = (  # (weekday, session) slots a week: mostly 10 (full-time), some 8 and 6 (part-time)
    [(d, s) for d in range(5) for s in ("am", "pm")],
    [(d, s) for d in range(5) for s in ("am", "pm")],
    [(d, s) for d in range(5) for s in ("am", "pm")],
    [(d, s) for d in range(4) for s in ("am", "pm")],
    [(d, "am") for d in range(5)] + [(2, "pm")],
)
SLOT_TIMES = {"am": (clock(9), clock(12)), "pm": (clock(13), clock(15))}


def sizes(factor: float) -> dict[str, int]:
    return {
        "schools": max(2, round(40 * factor)),
        "providers": max(3, round(150 * factor)),
        "pupils": max(6, round(4000 * factor)),
    }


class Command(BaseCommand):
    help = (
        "Create a large trust's year of data in bulk (40 schools, 150 providers, 4,000 pupils at --factor 1)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--factor", type=float, default=1.0, help="Scale every size (0.01 to 10).")
        parser.add_argument("--slug", default="scale", help="The new trust's slug (one seed per slug).")
        parser.add_argument(
            "--seed", type=int, default=2026, help="Random seed: the same data for the same seed."
        )

    def handle(self, *args, factor, slug, seed, **options):
        if not 0.001 <= factor <= 20:
            raise CommandError("--factor must be between 0.001 and 20.")
        started = time.perf_counter()
        # Seeding writes one new trust's rows from outside any request: a deliberate cross-trust place.
        with scopes_disabled():
            from trusts.models import Trust

            if Trust.objects.filter(slug=slug).exists():
                raise CommandError(
                    f"A trust with the slug {slug!r} exists already; seed into a new database."
                )
            counts = Seeder(factor=factor, slug=slug, rng=random.Random(seed), out=self.stdout).run()
        counts["seconds"] = round(time.perf_counter() - started, 1)
        self.stdout.write(" ".join(f"{key}={value}" for key, value in counts.items()))


class Seeder:
    def __init__(self, *, factor, slug, rng, out):
        self.factor, self.slug, self.rng, self.out = factor, slug, rng, out
        self.size = sizes(factor)
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.counts: dict[str, int] = {}

    def run(self) -> dict[str, int]:
        with transaction.atomic():
            self.trust_and_calendar()
            self.people()
            self.providers_and_evidence()
            self.pupils_and_placements()
        # The big tables go in their own transactions, so a factor-10 seed doesn't hold one huge one.
        self.sessions_and_marks()
        with transaction.atomic():
            self.follow_ups()
            self.reviews_reports_incidents()
            self.qa_visits()
            self.notifications()
        # Statistics for the planner, and (on PostgreSQL) the visibility map a running database's autovacuum
        # keeps, without which a count on an index visits every row of the table as well.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        return self.counts

    # --- Trust, calendar, people ---------------------------------------------------------------------

    def trust_and_calendar(self):
        self.trust = trust_create(name=f"Scale Learning Trust ({self.slug})", slug=self.slug)
        tid = self.trust.pk
        for name, start, end, terms in CALENDAR:
            year = AcademicYear.objects.create(trust_id=tid, name=name, start_date=start, end_date=end)
            Term.objects.bulk_create(
                Term(
                    trust_id=tid,
                    academic_year=year,
                    name=t,
                    start_date=s,
                    end_date=e,
                    half_term_start=hs,
                    half_term_end=he,
                )
                for t, s, e, hs, he in terms
            )
        ClosureDay.objects.bulk_create(
            ClosureDay(trust_id=tid, school=None, date=d, kind=k, reason=r) for d, k, r in TRUST_CLOSURES
        )
        calendar_cache.forget(tid)  # written in bulk, past the model signals
        # URNs are unique across trusts: start after any URN already used.
        base = max([int(u) for u in School.objects.values_list("urn", flat=True) if u.isdigit()] + [700000])
        self.schools = School.objects.bulk_create(
            School(
                trust_id=tid,
                name=f"Scale Academy {n + 1:03d}",
                urn=f"{base + n + 1:06d}",
                phase=School.Phase.SECONDARY if n % 4 else School.Phase.PRIMARY,
                local_authority=("Leeds", "Bradford", "Wakefield", "Kirklees")[n % 4],
            )
            for n in range(self.size["schools"])
        )
        self.counts["schools"] = len(self.schools)

    def people(self):
        """Trust-wide roles, five roles at every school, one member of staff at each provider (added once the
        providers exist). One password hash for everyone: hashing thousands would be most of the seed."""
        self.password = make_password(PASSWORD)
        self.specs = [(f"{self.slug}.admin", Role.TRUST_ADMIN, None), (f"{self.slug}.dsl", Role.DSL, None)]
        self.specs.append((f"{self.slug}.governor", Role.GOVERNOR, None))
        for n, school in enumerate(self.schools, start=1):
            for handle, role in (
                ("head", Role.HEADTEACHER),
                ("aplead", Role.AP_LEAD),
                ("attendance", Role.ATTENDANCE_OFFICER),
                ("dsl", Role.DSL),
                ("governor", Role.GOVERNOR),
            ):
                self.specs.append((f"{self.slug}.s{n:03d}.{handle}", role, school))

    def _create_people(self, specs):
        User = get_user_model()
        users = User.objects.bulk_create(
            User(
                username=username,
                email=f"{username}@example.org",
                first_name=username.split(".")[-1].title(),
                last_name=username.split(".")[1].upper(),
                password=self.password,
            )
            for username, _, _ in specs
        )
        memberships = Membership.objects.bulk_create(
            Membership(
                user=user,
                trust_id=self.trust.pk,
                role=role,
                school=where if isinstance(where, School) else None,
                provider=where if isinstance(where, Provider) else None,
            )
            for user, (_, role, where) in zip(users, specs, strict=True)
        )
        TOTPDevice.objects.bulk_create(
            TOTPDevice(user=m.user, name="Authenticator", confirmed=True)
            for m in memberships
            if m.role in TWO_FACTOR_ROLES
        )
        return memberships

    # --- Providers and evidence ----------------------------------------------------------------------

    def providers_and_evidence(self):
        tid, rng = self.trust.pk, self.rng
        statuses = [Provider.Status.APPROVED] * 16 + [
            Provider.Status.APPROVED_WITH_CONDITIONS,
            Provider.Status.APPROVED_WITH_CONDITIONS,
            Provider.Status.SUSPENDED,
            Provider.Status.DRAFT,
        ]
        self.providers = Provider.objects.bulk_create(
            Provider(
                trust_id=tid,
                legal_name=f"Scale Provider {n + 1:04d} Ltd",
                address=f"{n + 1} Mill Road, Leeds",
                postcode="LS1 1AA",
                contact_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                contact_email=f"provider{n + 1}@example.org",
                dsl_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                registration_status=Provider.RegistrationStatus.UNREGISTERED
                if n % 3
                else Provider.RegistrationStatus.INDEPENDENT_SCHOOL,
                status=statuses[n % len(statuses)],
                approved_until=self.today + timedelta(days=200 + n % 300),
                capacity=40,
                cost_per_session=Decimal("55.00"),
            )
            for n in range(self.size["providers"])
        )
        self.approved = [p for p in self.providers if p.status in Provider.APPROVED_STATUSES]
        self.counts["providers"] = len(self.providers)
        staff_specs = [
            (f"{self.slug}.p{n:04d}.staff", Role.PROVIDER_STAFF, provider)
            for n, provider in enumerate(self.providers, start=1)
        ]
        memberships = self._create_people(self.specs + staff_specs)
        self.memberships = memberships
        self.counts["people"] = len(memberships)
        self.admin = next(m for m in memberships if m.role == Role.TRUST_ADMIN)
        self.staff_user = {m.provider_id: m.user_id for m in memberships if m.role == Role.PROVIDER_STAFF}
        # One small document, stored once and pointed at by every seeded row.
        name = f"scale/{self.slug}/evidence.pdf"
        if not default_storage.exists(name):
            default_storage.save(name, io.BytesIO(b"%PDF-1.4\n% seeded evidence\n%%EOF\n"))
        rows = []
        for provider in self.providers:
            for kind in EVIDENCE_TYPES[:8]:
                issued = self.today - timedelta(days=rng.randint(30, 330))
                rows.append(
                    Evidence(
                        trust_id=tid,
                        provider=provider,
                        evidence_type=kind["code"],
                        issue_date=issued,
                        expiry_date=issued + timedelta(days=365) if kind["has_expiry"] else None,
                        insured_amount=Decimal("10000000") if kind["insurance_kind"] else None,
                        file=name,
                        original_name="evidence.pdf",
                        content_type="application/pdf",
                        size=40,
                        status=Evidence.Status.VERIFIED if rng.random() < 0.85 else Evidence.Status.PENDING,
                        uploaded_by_id=self.admin.user_id,
                    )
                )
        Evidence.objects.bulk_create(rows, batch_size=2000)
        self.counts["evidence"] = len(rows)

    # --- Pupils, placements, timetables --------------------------------------------------------------

    def pupils_and_placements(self):
        tid, rng, today = self.trust.pk, self.rng, self.today
        n_pupils = self.size["pupils"]
        pupils = []
        for n in range(n_pupils):
            school = self.schools[n % len(self.schools)]
            vulnerable = rng.random() < 0.12
            pupils.append(
                Pupil(
                    trust_id=tid,
                    school=school,
                    legal_first_name=rng.choice(FIRST),
                    legal_last_name=f"{rng.choice(LAST)}{n}",
                    date_of_birth=date(2010 + n % 5, 1 + n % 12, 1 + n % 28),
                    upn=make_upn(f"9{tid % 100:02d}26{n:07d}"),
                    year_group=str(7 + n % 5),
                    gender=("F", "M", "X")[n % 3],
                    sen_support=rng.random() < 0.3,
                    ehcp=rng.random() < 0.1,
                    child_protection_plan=vulnerable,
                    child_in_need=rng.random() < 0.05,
                    fsm=rng.random() < 0.45,
                )
            )
        self.pupils = Pupil.objects.bulk_create(pupils, batch_size=2000)
        self.counts["pupils"] = len(self.pupils)
        # Starts spread over the twelve months before today; most run two terms or more, some ended, one in
        # twenty starts in the weeks ahead.
        placements = []
        approved = self.approved or self.providers
        for pupil in self.pupils:
            # Drawn, not derived from the position: the position also picks the school.
            upcoming = rng.random() < 0.05
            if upcoming:
                start = today + timedelta(days=rng.randint(3, 40))
            else:
                # Skewed towards the start of the year: most placements have run for a while.
                start = today - timedelta(days=max(rng.randint(1, 365) for _ in range(3)))
            planned_end = start + timedelta(days=rng.choice((150, 300, 380, 420)))
            if upcoming:
                status = rng.choice(
                    (Placement.Status.DRAFT, Placement.Status.PROPOSED, Placement.Status.AGREED)
                )
            elif planned_end <= today:
                status = Placement.Status.ENDED
            else:
                status = Placement.Status.ACTIVE
            ended = status == Placement.Status.ENDED
            placements.append(
                Placement(
                    trust_id=tid,
                    pupil=pupil,
                    school_id=pupil.school_id,
                    provider=rng.choice(approved),
                    reason=rng.choice([c for c, _ in Placement.Reason.choices if c != "off_site"]),
                    reason_detail="Seeded placement.",
                    start_date=start,
                    planned_end_date=planned_end,
                    status=status,
                    ended_outcome=Placement.EndedOutcome.COMPLETED if ended else "",
                    ended_on=planned_end if ended else None,
                    rate=Decimal("55.00"),
                    rate_unit="session",
                    la_informed_on=start - timedelta(days=5),
                    risk_assessment_recorded_on=start - timedelta(days=5),
                    proposed_at=_at(start - timedelta(days=14), clock(10)),
                    approved_at=None
                    if status in ("draft", "proposed")
                    else _at(start - timedelta(days=10), clock(10)),
                    activated_at=_at(start, clock(9)) if status in ("active", "ended") else None,
                    created_by_id=self.admin.user_id,
                )
            )
        self.placements = Placement.objects.bulk_create(placements, batch_size=2000)
        self.counts["placements"] = len(self.placements)
        slots, arrangements = [], []
        self.timetable = {}
        for placement in self.placements:
            pattern = rng.choice(TIMETABLES)
            self.timetable[placement.pk] = pattern
            for weekday, session in pattern:
                start, end = SLOT_TIMES[session]
                slots.append(
                    TimetableSession(
                        trust_id=tid,
                        placement=placement,
                        weekday=weekday,
                        session=session,
                        start_time=start,
                        end_time=end,
                        hours=session_hours(start, end),
                    )
                )
            arrangements.append(RegisterArrangement(trust_id=tid, placement=placement))
        TimetableSession.objects.bulk_create(slots, batch_size=5000)
        RegisterArrangement.objects.bulk_create(arrangements, batch_size=5000)
        self.counts["timetable_sessions"] = len(slots)

    # --- Expected sessions and marks (COPY) -------------------------------------------------------------

    def sessions_and_marks(self):
        tid, rng, now = self.trust.pk, self.rng, self.now
        calendars = calendars_for(self.schools)
        horizon = self.today + timedelta(days=HORIZON_DAYS)
        school_days = {}
        rows = []
        for placement in self.placements:
            if placement.status in (Placement.Status.DRAFT, Placement.Status.PROPOSED):
                continue
            end = placement.ended_on or min(placement.planned_end_date, horizon)
            days = school_days.setdefault(placement.school_id, None)
            if days is None:
                first = min(p.start_date for p in self.placements)
                days = school_days[placement.school_id] = calendars[placement.school_id].school_days(
                    first, horizon + timedelta(days=1)
                )
            pattern = set(self.timetable[placement.pk])
            for day in days:
                if day < placement.start_date or day >= end:
                    continue
                for session in ("am", "pm"):
                    if (day.weekday(), session) in pattern:
                        start, finish = SLOT_TIMES[session]
                        rows.append((placement, day, session, _at(day, start), _at(day, finish)))
        ids = _reserve_ids(ExpectedSession, len(rows))
        marks, absences = [], []
        staff = self.staff_user
        with transaction.atomic(), connection.cursor() as cursor:
            columns = "id, trust_id, placement_id, pupil_id, school_id, provider_id, date, session, starts_at, ends_at"
            with cursor.cursor.copy(f"COPY attendance_expectedsession ({columns}) FROM STDIN") as copy:
                for pk, (p, day, session, starts, ends) in zip(ids, rows, strict=True):
                    copy.write_row(
                        (pk, tid, p.pk, p.pupil_id, p.school_id, p.provider_id, day, session, starts, ends)
                    )
                    # Everything that has started is marked, bar one in two hundred of the last fortnight (the
                    # registers the chase chain is after) and today's afternoon.
                    if starts > now or (starts > now - timedelta(days=14) and rng.random() < 0.005):
                        continue
                    roll = rng.random()
                    status = "present" if roll < 0.87 else "late" if roll < 0.91 else "absent"
                    marks.append((pk, status, starts, staff[p.provider_id], p))
                    if status == "absent":
                        absences.append((pk, starts, p))
        self.counts["expected_sessions"] = len(rows)
        codes = {"present": "B", "late": "B", "absent": "N"}
        with transaction.atomic(), connection.cursor() as cursor:
            columns = "id, trust_id, expected_session_id, status, late_minutes, absence_reason, marked_by_id, marked_at, version, school_code"
            mark_ids = _reserve_ids(RegisterMark, len(marks))
            with cursor.cursor.copy(f"COPY attendance_registermark ({columns}) FROM STDIN") as copy:
                for pk, (session_id, status, starts, by, _p) in zip(mark_ids, marks, strict=True):
                    copy.write_row(
                        (
                            pk,
                            tid,
                            session_id,
                            status,
                            10 if status == "late" else None,
                            "Unwell" if status == "absent" else "",
                            by,
                            starts + timedelta(minutes=12),
                            1,
                            codes[status],
                        )
                    )
        self.counts["marks"] = len(marks)
        self.absences = absences

    def follow_ups(self):
        tid = self.trust.pk
        recent = self.now - timedelta(days=10)
        pupils = {p.pk: p for p in self.pupils}
        rows = []
        for session_id, starts, placement in self.absences:
            closed = starts < recent
            rows.append(
                AbsenceFollowUp(
                    trust_id=tid,
                    expected_session_id=session_id,
                    school_id=placement.school_id,
                    vulnerable=pupils[placement.pupil_id].is_vulnerable,
                    opened_at=starts + timedelta(minutes=40),
                    contacted_by="Attendance officer" if closed else "",
                    contacted_at=starts + timedelta(hours=2) if closed else None,
                    outcome=AbsenceFollowUp.Outcome.REASON_GIVEN if closed else "",
                    reason="Illness" if closed else "",
                    code="I" if closed else "",
                    closed_at=starts + timedelta(hours=3) if closed else None,
                )
            )
        AbsenceFollowUp.objects.bulk_create(rows, batch_size=5000)
        # The school's code follows the follow-up.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE attendance_registermark m SET school_code = f.code FROM attendance_absencefollowup f "
                "WHERE f.expected_session_id = m.expected_session_id AND f.code <> '' AND m.trust_id = %s",
                [tid],
            )
        self.counts["follow_ups"] = len(rows)

    # --- Reviews, provider reports, incidents -----------------------------------------------------------

    def reviews_reports_incidents(self):
        tid, rng, today = self.trust.pk, self.rng, self.today
        reviews, reports, incidents = [], [], []
        for placement in self.placements:
            if placement.status not in (Placement.Status.ACTIVE, Placement.Status.ENDED):
                continue
            last = placement.ended_on or today
            day = placement.start_date + timedelta(weeks=6)
            while day < last + timedelta(weeks=6):
                held = day < today
                reviews.append(
                    Review(
                        trust_id=tid,
                        placement=placement,
                        scheduled_for=day,
                        held_on=day if held else None,
                        attendance="Good overall." if held else "",
                        attendance_percent=Decimal(rng.randint(60, 100)) if held else None,
                        behaviour="Settled." if held else "",
                        actions="Carry on." if held else "",
                        next_review_date=day + timedelta(weeks=6) if held else None,
                        recorded_by_id=self.admin.user_id if held else None,
                    )
                )
                if not held:
                    break
                if day < last:
                    reports.append(
                        ProviderReport(
                            trust_id=tid,
                            placement=placement,
                            period_ending=day - timedelta(days=3),
                            attendance="Mostly on time.",
                            progress="Working towards the targets.",
                            written_by_id=self.staff_user[placement.provider_id],
                        )
                    )
                day += timedelta(weeks=6)
            for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):
                when = placement.start_date + timedelta(
                    days=rng.randint(0, max(1, (last - placement.start_date).days))
                )
                incidents.append(
                    BehaviourIncident(
                        trust_id=tid,
                        placement=placement,
                        occurred_at=_at(when, clock(11)),
                        category=INCIDENT_CATEGORIES[len(incidents) % len(INCIDENT_CATEGORIES)],
                        description="Left the workshop without permission.",
                        action_taken="Talked it through; parent phoned.",
                        parent_informed=True,
                        reported_by_id=self.staff_user[placement.provider_id],
                    )
                )
        Review.objects.bulk_create(reviews, batch_size=5000)
        ProviderReport.objects.bulk_create(reports, batch_size=5000)
        BehaviourIncident.objects.bulk_create(incidents, batch_size=5000)
        self.counts.update(reviews=len(reviews), provider_reports=len(reports), incidents=len(incidents))

    # --- QA visits ---------------------------------------------------------------------------------------

    def qa_visits(self):
        tid, rng, today = self.trust.pk, self.rng, self.today
        framework = qa_services.framework_current(trust=self.trust)
        visits, actions = [], []
        for n, provider in enumerate(self.approved):
            done = today - timedelta(days=rng.randint(20, 300))
            visits.append(
                Visit(
                    trust_id=tid,
                    provider=provider,
                    framework=framework,
                    status=Visit.Status.COMPLETED,
                    planned_for=done,
                    visitor_id=self.admin.user_id,
                    visit_date=done,
                    start_time=clock(10),
                    location=provider.address,
                    strengths="Calm, purposeful sessions.",
                    outcome=("meets", "meets_most", "meets_most", "does_not_meet")[n % 4],
                    next_visit_date=done + timedelta(days=180),
                    completed_at=_at(done, clock(15)),
                    completed_by_id=self.admin.user_id,
                    created_by_id=self.admin.user_id,
                )
            )
            if n % 3 == 0:
                visits.append(
                    Visit(
                        trust_id=tid,
                        provider=provider,
                        framework=framework,
                        planned_for=today + timedelta(days=rng.randint(-20, 60)),
                        visitor_id=self.admin.user_id,
                        created_by_id=self.admin.user_id,
                    )
                )
        visits = Visit.objects.bulk_create(visits, batch_size=2000)
        for visit in visits:
            if visit.status == Visit.Status.COMPLETED and rng.random() < 0.5:
                actions.append(
                    ImprovementAction(
                        trust_id=tid,
                        visit=visit,
                        provider_id=visit.provider_id,
                        area="Attendance",
                        action="Phone the school within 30 minutes of the session start for every absence.",
                        rag=rng.choice(("red", "amber", "green")),
                        owner=visit.provider.contact_name,
                        due_date=visit.visit_date + timedelta(days=30),
                    )
                )
        ImprovementAction.objects.bulk_create(actions, batch_size=2000)
        self.counts.update(qa_visits=len(visits), qa_actions=len(actions))

    # --- Notifications ---------------------------------------------------------------------------------

    def notifications(self):
        tid, rng = self.trust.pk, self.rng
        rows = []
        for m in self.memberships:
            for n in range(20):
                sent = self.now - timedelta(hours=rng.randint(1, 24 * 120))
                rows.append(
                    Notification(
                        trust_id=tid,
                        recipient_id=m.user_id,
                        key=f"scale:{m.pk}:{n}",
                        kind="mark_missing",
                        subject="Register not marked",
                        body="A register is still to be marked.",
                        url="/attendance/register/",
                        created_at=sent,
                        read_at=sent + timedelta(hours=2) if n > 3 else None,
                        email_status=Notification.EmailStatus.SENT,
                        emailed_at=sent,
                    )
                )
        Notification.objects.bulk_create(rows, batch_size=5000)
        # created_at is set on insert: put the spread of dates back.
        Notification.objects.filter(trust_id=tid).update(created_at=models.F("emailed_at"))
        self.counts["notifications"] = len(rows)


def _at(day: date, at: clock) -> datetime:
    return datetime.combine(day, at, tzinfo=LONDON)


def _reserve_ids(model, count: int) -> range:
    """A block of ``count`` ids from the table's sequence, so COPY can write rows that others point at."""
    if count == 0:
        return range(0)
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [sequence])
        first = cursor.fetchone()[0]
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return range(first, first + count)
