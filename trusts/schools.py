"""Schools, their term dates and their closure days: adding and editing them.

Terms belong to the trust (every school's dates) or to one school (its own dates for that year); bank holidays
are never entered, they come from ``trusts.calendar``. A closure saved here changes which days are school
days at once; attendance reacts to the saved row (its expected sessions for the day go, and so does the chase
for them), this module knows nothing of attendance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.easter import easter
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from trusts import rls
from trusts.calendar import SchoolCalendar
from trusts.errors import DomainError
from trusts.models import AcademicYear, ClosureDay, School, Term
from trusts.permissions import has_perm, require

SCHOOL_FIELDS = ("name", "urn", "phase", "local_authority", "address", "weekly_hours")


def _clean(instance, exclude=None):
    try:
        instance.full_clean(exclude=exclude, validate_constraints=False)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from None


def _urn_taken(urn: str, *, but=None) -> bool:
    # URNs are unique nationally (DfE), so the check is across trusts; it reveals only that the URN is used.
    with rls.bypass():
        others = School.objects.with_scopes_disabled().filter(urn=urn)
        if but is not None:
            others = others.exclude(pk=but.pk)
        return others.exists()


def school_save(*, by, data: dict, school: School | None = None) -> School:
    """Add a school to the trust, or edit one. A URN already registered, or a name already used in the trust,
    is refused with a message."""
    require(by, "school.edit", "Only a trust admin can add or edit schools.")
    if school is not None and school.trust_id != by.trust_id:
        raise DomainError("That school is not in this trust.")
    school = school or School(trust_id=by.trust_id)
    for field in SCHOOL_FIELDS:
        if field in data:
            setattr(school, field, data[field])
    _clean(school, exclude=["trust"])
    if _urn_taken(school.urn, but=school if school.pk else None):
        raise DomainError(f"A school with URN {school.urn} is already registered.")
    if School.objects.filter(name__iexact=school.name).exclude(pk=school.pk).exists():
        raise DomainError(f"The trust already has a school called {school.name}.")
    try:
        with transaction.atomic():
            school.save()
    except IntegrityError:
        raise DomainError("Another change saved a school with that URN or name at the same moment.") from None
    return school


# --- Term dates -----------------------------------------------------------------------------------------


@dataclass
class TermDates:
    name: str
    start_date: date
    end_date: date
    half_term_start: date | None = None
    half_term_end: date | None = None


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _weekday_on_or_before(day: date, weekday: int) -> date:
    return day - timedelta(days=(day.weekday() - weekday) % 7)


def england_pattern(start_year: int) -> list[TermDates]:
    """The usual shape of an English school year starting in September ``start_year``, as a starting point
    to edit: autumn from the first Wednesday of September to the Friday before Christmas week, with the last
    week of October off; spring from the first Monday of January to the Friday before the two Easter weeks,
    with the middle week of February off; summer from after Easter to about 22 July, with the week of the late
    May bank holiday off. Local authorities' calendars differ by a few days: the trust checks and edits."""
    y, n = start_year, start_year + 1
    autumn_start = _weekday_on_or_after(date(y, 9, 2), 2)
    october_half = _monday(_weekday_on_or_before(date(y, 10, 31), 0))
    autumn_end = _weekday_on_or_before(date(y, 12, 20), 4)
    spring_start = _weekday_on_or_after(date(n, 1, 5), 0)
    february_half = _weekday_on_or_after(date(n, 2, 12), 0)
    good_friday = easter(n) - timedelta(days=2)
    easter_break_start = _monday(good_friday)
    spring_end = easter_break_start - timedelta(days=3)
    summer_start = easter_break_start + timedelta(days=14)
    may_half = _weekday_on_or_before(date(n, 5, 31), 0)
    summer_end = _weekday_on_or_before(date(n, 7, 22), 4)
    return [
        TermDates("autumn", autumn_start, autumn_end, october_half, october_half + timedelta(days=4)),
        TermDates("spring", spring_start, spring_end, february_half, february_half + timedelta(days=4)),
        TermDates("summer", summer_start, summer_end, may_half, may_half + timedelta(days=4)),
    ]


def year_name(start_year: int) -> str:
    return f"{start_year}/{str(start_year + 1)[-2:]}"


def term_dates_save(
    *, by, start_year: int, terms: list[TermDates], school: School | None = None
) -> list[Term]:
    """Set the terms of one academic year, for the whole trust or for one school. The year's terms are
    replaced together; terms that overlap each other, or another year's, are refused."""
    require(by, "term.edit", "Only a trust admin can set term dates.")
    if school is not None and school.trust_id != by.trust_id:
        raise DomainError("That school is not in this trust.")
    name = year_name(start_year)
    candidates = []
    for dates in terms:
        term = Term(
            trust_id=by.trust_id,
            school=school,
            name=dates.name,
            start_date=dates.start_date,
            end_date=dates.end_date,
            half_term_start=dates.half_term_start,
            half_term_end=dates.half_term_end,
        )
        try:
            term.clean()
        except ValidationError as error:
            raise DomainError(f"{term.get_name_display()} term: {' '.join(error.messages)}") from None
        if not (date(start_year, 8, 1) <= term.start_date and term.end_date <= date(start_year + 1, 8, 31)):
            raise DomainError(f"{term.get_name_display()} term: its dates are not in the year {name}.")
        candidates.append(term)
    ordered = sorted(candidates, key=lambda t: t.start_date)
    for first, second in zip(ordered, ordered[1:], strict=False):
        if first.overlaps(second):
            raise DomainError(
                f"The {first.get_name_display().lower()} and {second.get_name_display().lower()} terms overlap."
            )
    with transaction.atomic():
        year, _ = AcademicYear.objects.get_or_create(
            trust_id=by.trust_id,
            name=name,
            defaults={"start_date": date(start_year, 9, 1), "end_date": date(start_year + 1, 8, 31)},
        )
        others = Term.objects.filter(school=school).exclude(academic_year=year)
        for term in candidates:
            clash = next((o for o in others if o.overlaps(term)), None)
            if clash is not None:
                raise DomainError(
                    f"{term.get_name_display()} term overlaps {clash} ({clash.start_date:%d/%m/%Y})."
                )
        Term.objects.filter(academic_year=year, school=school).delete()
        for term in candidates:
            term.academic_year = year
            term.save()
    return candidates


def school_terms_clear(*, by, school: School, start_year: int) -> int:
    """A school goes back to the trust's dates for a year."""
    require(by, "term.edit", "Only a trust admin can set term dates.")
    return Term.objects.filter(school=school, academic_year__name=year_name(start_year)).delete()[0]


# --- Closures -------------------------------------------------------------------------------------------


def _may_record_closure_for(by, school) -> bool:
    if not has_perm(by, "closure.record"):
        return False
    if by.school_id is not None:
        return school is not None and school.pk == by.school_id
    return has_perm(by, "term.edit")


def closure_add(*, by, day: date, kind: str, reason: str = "", school: School | None = None) -> ClosureDay:
    """Close a school (or, with no school, every school of the trust) on a school day. Expected sessions of
    the day go at once (attendance listens for the saved row), so nobody is chased for them."""
    if not _may_record_closure_for(by, school):
        raise DomainError("You can record closures only for your own school.")
    if school is not None and school.trust_id != by.trust_id:
        raise DomainError("That school is not in this trust.")
    if kind not in ClosureDay.Kind.values:
        raise DomainError("Choose INSET day or closure.")
    schools = [school] if school is not None else list(School.objects.all())
    already = ClosureDay.objects.filter(date=day)
    already = already.filter(Q(school__isnull=True) | Q(school=school)) if school is not None else already
    if already.filter(school__isnull=True).exists() or (school is not None and already.exists()):
        raise DomainError(f"{day:%A %d %B %Y} is already marked as a closure or INSET day.")
    if school is not None:
        reason_not = SchoolCalendar(school).why_not_school_day(day)
        if reason_not:
            raise DomainError(f"{day:%A %d %B %Y} is not a school day ({reason_not}): nothing to close.")
    elif day.weekday() >= 5:
        raise DomainError(f"{day:%A %d %B %Y} is a weekend.")
    with transaction.atomic():
        if school is None:
            # A trust-wide closure takes the place of any single school's on the same day.
            ClosureDay.objects.filter(date=day, school__in=schools).delete()
        try:
            with transaction.atomic():
                return ClosureDay.objects.create(
                    trust_id=by.trust_id, school=school, date=day, kind=kind, reason=reason.strip()[:200]
                )
        except IntegrityError:
            raise DomainError(f"{day:%A %d %B %Y} is already marked as a closure or INSET day.") from None


def closure_remove(*, by, closure: ClosureDay) -> None:
    if not _may_record_closure_for(by, closure.school):
        raise DomainError("You can change closures only for your own school.")
    closure.delete()
