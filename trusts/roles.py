"""The roles and the structural facts about them (which need a school, which sign in with two factors).
What each role may do is in trusts/permissions.py."""

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
