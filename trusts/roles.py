"""Roles and what each may see. One place, so every app asks the same question the same way."""

from django.db import models


class Role(models.TextChoices):
    TRUST_ADMIN = "trust_admin", "Trust admin"
    HEADTEACHER = "headteacher", "Headteacher"
    AP_LEAD = "ap_lead", "AP lead"
    ATTENDANCE_OFFICER = "attendance_officer", "Attendance officer"
    DSL = "dsl", "Designated safeguarding lead"
    GOVERNOR = "governor", "Governor"
    PROVIDER_STAFF = "provider_staff", "Provider staff"


# Roles that always belong to one school.
SCHOOL_BOUND_ROLES = frozenset({Role.HEADTEACHER, Role.AP_LEAD, Role.ATTENDANCE_OFFICER})
# Roles that may belong to one school or to the whole trust.
SCHOOL_OPTIONAL_ROLES = frozenset({Role.DSL, Role.GOVERNOR})
# Roles that must sign in with a second factor.
TWO_FACTOR_ROLES = frozenset({Role.TRUST_ADMIN, Role.HEADTEACHER, Role.DSL})
# Roles allowed to see sensitive pupil flags (child protection, looked-after, health). Superseded by the
# "pupil.read_sensitive" action of trusts/permissions.py; kept while placements still imports it.
SENSITIVE_DATA_ROLES = frozenset({Role.TRUST_ADMIN, Role.HEADTEACHER, Role.AP_LEAD, Role.DSL})
