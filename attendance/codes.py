"""The national attendance and absence codes of the School Attendance (Pupil Registration) (England)
Regulations 2024, as data, with what each means for attendance figures, and the guardrails for AP.

Schools record these in their own register (their MIS); this app derives the code for each session a pupil
was expected at a provider and lets the attendance officer choose the absence code, within the guardrails.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Meaning(StrEnum):
    PRESENT = "present"  # counts as attending
    APPROVED_ACTIVITY = "approved_activity"  # attending an approved educational activity: counts as attending
    AUTHORISED = "authorised_absence"
    UNAUTHORISED = "unauthorised_absence"
    NOT_COUNTED = "not_counted"  # attendance not required or not possible: not a possible session


@dataclass(frozen=True)
class Code:
    code: str
    label: str
    meaning: Meaning

    @property
    def is_absence(self) -> bool:
        return self.meaning in (Meaning.AUTHORISED, Meaning.UNAUTHORISED)

    @property
    def counts_as_attending(self) -> bool:
        return self.meaning in (Meaning.PRESENT, Meaning.APPROVED_ACTIVITY)


CODES: tuple[Code, ...] = (
    Code("/", "Present (morning)", Meaning.PRESENT),
    Code("\\", "Present (afternoon)", Meaning.PRESENT),
    Code("L", "Late, arrived before the register closed", Meaning.PRESENT),
    Code("K", "Attending education provision arranged by the local authority", Meaning.APPROVED_ACTIVITY),
    Code("V", "Attending an educational visit or trip", Meaning.APPROVED_ACTIVITY),
    Code("P", "Participating in a sporting activity", Meaning.APPROVED_ACTIVITY),
    Code("W", "Attending work experience", Meaning.APPROVED_ACTIVITY),
    Code("B", "Attending any other approved educational activity", Meaning.APPROVED_ACTIVITY),
    Code("D", "Dual registered: attending another school", Meaning.NOT_COUNTED),
    Code("C1", "Leave: regulated performance or employment abroad", Meaning.AUTHORISED),
    Code("M", "Leave: medical or dental appointment", Meaning.AUTHORISED),
    Code("J1", "Leave: interview", Meaning.AUTHORISED),
    Code("S", "Leave: study leave", Meaning.AUTHORISED),
    Code("X", "Not required to attend: not of compulsory school age", Meaning.NOT_COUNTED),
    Code("C2", "Leave: part-time timetable", Meaning.AUTHORISED),
    Code("C", "Leave: exceptional circumstances", Meaning.AUTHORISED),
    Code("T", "Leave: parent travelling for work", Meaning.AUTHORISED),
    Code("E", "Suspended or excluded, no alternative provision", Meaning.AUTHORISED),
    Code("I", "Illness", Meaning.AUTHORISED),
    Code("R", "Religious observance", Meaning.AUTHORISED),
    Code("Q", "Unable to attend: lack of access arrangements", Meaning.NOT_COUNTED),
    Code("Y1", "Unable to attend: transport not available", Meaning.NOT_COUNTED),
    Code("Y2", "Unable to attend: widespread travel disruption", Meaning.NOT_COUNTED),
    Code("Y3", "Unable to attend: part of the premises closed", Meaning.NOT_COUNTED),
    Code("Y4", "Unable to attend: whole site unexpectedly closed", Meaning.NOT_COUNTED),
    Code("Y5", "Unable to attend: in criminal justice detention", Meaning.NOT_COUNTED),
    Code("Y6", "Unable to attend: public health guidance or law", Meaning.NOT_COUNTED),
    Code("Y7", "Unable to attend: any other unavoidable cause", Meaning.NOT_COUNTED),
    Code("G", "Holiday not granted by the school", Meaning.UNAUTHORISED),
    Code("N", "Reason for absence not yet established", Meaning.UNAUTHORISED),
    Code("O", "Absent in other or unknown circumstances", Meaning.UNAUTHORISED),
    Code("U", "Arrived after the register closed", Meaning.UNAUTHORISED),
    Code("Z", "Prospective pupil not on the admission register", Meaning.NOT_COUNTED),
    Code("#", "Planned whole-school closure", Meaning.NOT_COUNTED),
)
BY_CODE = {c.code: c for c in CODES}

# Codes the attendance officer may give a session the provider marked absent (or closed).
ABSENCE_CODE_CHOICES = tuple(
    (c.code, f"{c.code}: {c.label}")
    for c in CODES
    if (c.is_absence or c.code.startswith("Y") or c.code == "Q") and c.code != "C2"
)
# Used until the officer has chosen: absent with the reason not yet established.
PENDING_ABSENCE_CODE = "N"

# Persistent and severe absence: the Department for Education's definitions, not a trust setting.
PERSISTENT_ABSENCE_BELOW = 90
SEVERE_ABSENCE_BELOW = 50
# A pupil is not "persistently" or "severely" absent after two sessions: the flags need at least this many
# possible sessions (five school days) behind the percentage.
MIN_SESSIONS_FOR_ABSENCE_FLAGS = 10
# A mark made this long after the session started is flagged as late marking: the register was not kept live.
LATE_MARKING_AFTER_MINUTES = 120


class Arrangement(StrEnum):
    SCHOOL = "school"  # AP arranged by the school: the pupil stays on the school's roll, code B
    LOCAL_AUTHORITY = "local_authority"  # provision arranged by the LA: code K
    DUAL = "dual"  # dual registration at another school (e.g. a PRU): code D


class GuardrailError(ValueError):
    pass


def attending_code(*, arrangement: str) -> str:
    """The school's code for a session the pupil attended at the provider."""
    return {Arrangement.SCHOOL: "B", Arrangement.LOCAL_AUTHORITY: "K", Arrangement.DUAL: "D"}[
        Arrangement(arrangement)
    ]


def check_code(*, code: str, arrangement: str, supervised: bool, expected: bool = True) -> None:
    """Refuse a code that the regulations do not allow for this kind of placement. ``expected``: the session
    is one the pupil was expected to attend at the provider."""
    if code not in BY_CODE:
        raise GuardrailError(f"{code!r} is not a code in the 2024 regulations.")
    if code == "C2" and expected:
        raise GuardrailError(
            "C2 is for sessions a pupil on a part-time timetable is not expected to attend; this session was "
            "expected at the provider, so it needs an attendance or absence code."
        )
    if code == "K" and arrangement != Arrangement.LOCAL_AUTHORITY:
        raise GuardrailError(
            "K is only for provision arranged by the local authority; this placement was arranged by the school."
        )
    if code == "B" and not supervised:
        raise GuardrailError(
            "B is only for supervised education; it cannot be used for unsupervised or at-home work."
        )
    if code == "B" and arrangement != Arrangement.SCHOOL:
        raise GuardrailError(
            "B is for off-site education the school arranged; use K or D for this placement."
        )
    if code == "D" and arrangement != Arrangement.DUAL:
        raise GuardrailError("D is only for a pupil dual registered at another school.")


def is_authorised_absence(code: str) -> bool:
    """Whether ``code`` authorises an absence (illness, medical appointment, leave...)."""
    return any(c.code == code and c.meaning == Meaning.AUTHORISED for c in CODES)
