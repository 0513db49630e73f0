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


def pupil_import_preview(text: str):
    """(rows ready to create, problems): the check the preview page shows and the commit repeats."""
    return parse_pupil_csv(text, existing_upns=set(Pupil.objects.values_list("upn", flat=True)))


def pupil_import_commit(*, by, school, text: str) -> list[Pupil]:
    """Create every pupil of a MIS export, or none: any bad row stops the whole import, and every bad row is
    named."""
    require(by, "pupil.import", "Your role does not allow you to import pupils.")
    if by.school_id is not None and by.school_id != school.pk:
        raise DomainError("You can import pupils only into your own school.")
    return commit_all_or_nothing(
        check=lambda: pupil_import_preview(text),
        create=lambda row: Pupil.objects.create(trust_id=school.trust_id, school=school, **row.fields),
    )
