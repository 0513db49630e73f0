"""Pupils and their parents or carers: adding, editing and the all-or-nothing import of a MIS export."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from placements import rules
from placements.agreements.sla import sla_mark_if_outdated
from placements.common import full_clean
from placements.imports import parse_pupil_csv
from placements.models import Carer, Placement, Pupil
from trusts.csv_import import commit_all_or_nothing
from trusts.errors import DomainError
from trusts.permissions import require


def _check_date_of_birth(pupil):
    problem = rules.date_of_birth_problem(
        date_of_birth=pupil.date_of_birth, year_group=pupil.year_group, today=timezone.localdate()
    )
    if problem:
        raise DomainError(problem, field="date_of_birth")


def pupil_create(*, by, school, **fields) -> Pupil:
    require(by, "pupil.edit", "Your role does not allow you to add pupils.")
    if by.school_id is not None and by.school_id != school.pk:
        raise DomainError("You can add pupils only to your own school.")
    pupil = Pupil(trust_id=school.trust_id, school=school, **fields)
    pupil.upn = pupil.upn.strip().upper().replace(" ", "")
    full_clean(pupil, validate_unique=False, validate_constraints=False)
    _check_date_of_birth(pupil)
    if Pupil.objects.filter(upn=pupil.upn).exists():
        raise DomainError("A pupil with this UPN is already on the trust's records.", field="upn")
    with transaction.atomic():
        pupil.save()
    return pupil


def pupil_update(*, by, pupil, **fields) -> Pupil:
    require(by, "pupil.edit", "Your role does not allow you to change pupils' records.")
    if by.school_id is not None and by.school_id != pupil.school_id:
        raise DomainError("This pupil belongs to another school.")
    before = (pupil.date_of_birth, pupil.year_group)
    for name, value in fields.items():
        setattr(pupil, name, value)
    pupil.upn = pupil.upn.strip().upper().replace(" ", "")
    full_clean(pupil, validate_unique=False, validate_constraints=False)
    # Year groups on older records are not moved up each September, so only a change is checked.
    if (pupil.date_of_birth, pupil.year_group) != before:
        _check_date_of_birth(pupil)
    if Pupil.objects.filter(upn=pupil.upn).exclude(pk=pupil.pk).exists():
        raise DomainError("A pupil with this UPN is already on the trust's records.", field="upn")
    with transaction.atomic():
        pupil.save()
        # The pupil's name and date of birth are on the SLA: an edit may make a signed version outdated.
        for placement in pupil.placements.exclude(status=Placement.Status.ENDED):
            sla_mark_if_outdated(placement)
    return pupil


def carer_add(*, by, pupil, **fields) -> Carer:
    require(by, "pupil.edit", "Your role does not allow you to change pupils' records.")
    if by.school_id is not None and by.school_id != pupil.school_id:
        raise DomainError("This pupil belongs to another school.")
    carer = Carer(trust_id=pupil.trust_id, pupil=pupil, **fields)
    full_clean(carer)
    carer.save()
    return carer


# What an import may change on a pupil already on the school's roll (the UPN is the key, never changed).
IMPORTED_FIELDS = (
    "legal_first_name",
    "legal_last_name",
    "preferred_name",
    "date_of_birth",
    "year_group",
    "gender",
    "first_language",
    "ehcp",
    "sen_support",
    "fsm",
)


def pupil_import_preview(text: str, *, school=None):
    """(rows, problems): the check the preview page shows and the commit repeats. A row whose UPN is a pupil
    of ``school`` updates that pupil (its ``changes`` say what from and to); a UPN of another school of the
    trust is a problem."""
    upns = dict(Pupil.objects.values_list("upn", "school_id"))
    own = {upn for upn, school_id in upns.items() if school is not None and school_id == school.pk}
    rows, problems = parse_pupil_csv(text, existing_upns=set(upns), own_upns=own)
    if own:
        current = {
            p.upn: p for p in Pupil.objects.filter(school=school, upn__in=[r.fields["upn"] for r in rows])
        }
        for row in rows:
            pupil = current.get(row.fields["upn"])
            if pupil is None:
                continue
            row.pupil_id = pupil.pk
            row.changes = {
                name: (getattr(pupil, name), row.fields[name])
                for name in IMPORTED_FIELDS
                if getattr(pupil, name) != row.fields[name]
            }
    return rows, problems


def _import_row(row, school):
    if row.pupil_id is None:
        return Pupil.objects.create(trust_id=school.trust_id, school=school, **row.fields)
    pupil = Pupil.objects.select_for_update().get(pk=row.pupil_id, school=school)
    if row.changes:
        for name, (_, new) in row.changes.items():
            setattr(pupil, name, new)
        pupil.save(update_fields=list(row.changes))
    return pupil


def pupil_import_commit(*, by, school, text: str) -> list:
    """Save every row of a MIS export, or none: new UPNs become pupils, the school's own pupils are updated
    by UPN, and any bad row stops the whole import with every bad row named. Returns the rows (each with its
    ``action``: new, update or unchanged, and its ``changes``)."""
    require(by, "pupil.import", "Your role does not allow you to import pupils.")
    if by.school_id is not None and by.school_id != school.pk:
        raise DomainError("You can import pupils only into your own school.")
    checked = []

    def check():
        rows, problems = pupil_import_preview(text, school=school)
        checked[:] = rows
        return rows, problems

    commit_all_or_nothing(check=check, create=lambda row: _import_row(row, school))
    return checked


def import_summary(rows) -> str:
    """ "3 new pupils, 2 updated (year group, FSM), 10 unchanged" for the page after an import."""
    new = sum(1 for r in rows if r.action == "new")
    updated = [r for r in rows if r.action == "update"]
    unchanged = sum(1 for r in rows if r.action == "unchanged")
    fields = sorted({name.replace("_", " ") for r in updated for name in r.changes})
    parts = [f"{new} new pupil{'s' if new != 1 else ''}"]
    parts.append(f"{len(updated)} updated" + (f" ({', '.join(fields)})" if fields else ""))
    parts.append(f"{unchanged} unchanged")
    return ", ".join(parts)
