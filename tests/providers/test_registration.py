"""The DfE registration rule at its edges. Pure: no database."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from providers.models import Provider
from providers.registration import PlacementFact, is_full_time, registration_check

DAY = date(2026, 11, 16)


def policy(**overrides):
    values = {
        "full_time_hours_threshold": Decimal("18.0"),
        "registration_pupil_limit": 5,
        "registration_warning_margin": 1,
    }
    values.update(overrides)
    return SimpleNamespace(**values)


def provider(status=Provider.RegistrationStatus.UNREGISTERED):
    return Provider(legal_name="Test Provider", registration_status=status)


def fact(pupil, hours="25", start=date(2026, 9, 1), end=None, lac=False, ehcp=False, school=1, pk=None):
    return PlacementFact(
        placement_id=pk or pupil,
        pupil_id=pupil,
        school_id=school,
        start=start,
        end=end,
        hours_per_week=Decimal(hours),
        looked_after=lac,
        ehcp=ehcp,
    )


def check(facts, p=None, **kwargs):
    kwargs.setdefault("on", DAY)
    return registration_check(provider=p or provider(), facts=facts, policy=policy(), **kwargs)


@pytest.mark.parametrize(
    ("hours", "full_time"), [("18", False), ("18.0", False), ("18.5", True), ("0", False)]
)
def test_full_time_means_more_than_the_threshold(hours, full_time):
    assert is_full_time(Decimal(hours), policy()) is full_time


def test_eighteen_hours_is_not_counted_eighteen_and_a_half_is():
    five_at_18 = [fact(p, "18") for p in range(1, 6)]
    assert check(five_at_18).full_time_pupils == 0
    assert check(five_at_18).allowed
    five_at_18_5 = [fact(p, "18.5") for p in range(1, 6)]
    result = check(five_at_18_5)
    assert result.full_time_pupils == 5
    assert not result.allowed


def test_four_pupils_allowed_but_flagged_five_refused():
    four = check([fact(p) for p in range(1, 5)])
    assert (four.allowed, four.flagged, four.full_time_pupils) == (True, True, 4)
    assert "close to the limit" in four.reasons[0]
    five = check([fact(p) for p in range(1, 6)])
    assert (five.allowed, five.flagged, five.full_time_pupils) == (False, True, 5)
    assert "5 pupils would be here full-time" in five.reasons[0]


def test_three_pupils_neither_refused_nor_flagged():
    result = check([fact(p) for p in range(1, 4)])
    assert (result.allowed, result.flagged) == (True, False)


def test_warning_margin_comes_from_the_policy():
    facts = [fact(p) for p in range(1, 4)]
    result = registration_check(
        provider=provider(), facts=facts, policy=policy(registration_warning_margin=2), on=DAY
    )
    assert result.flagged


def test_one_looked_after_pupil_full_time_is_refused():
    result = check([fact(1, lac=True)])
    assert not result.allowed
    assert result.looked_after_full_time == 1
    assert "looked-after" in result.reasons[0]


def test_one_looked_after_pupil_part_time_is_allowed():
    result = check([fact(1, "18", lac=True)])
    assert result.allowed
    assert result.looked_after_full_time == 0


def test_one_ehcp_pupil_full_time_is_refused():
    result = check([fact(1, ehcp=True)])
    assert not result.allowed
    assert result.ehcp_full_time == 1
    assert "EHCP" in result.reasons[0]


def test_every_reason_is_listed():
    result = check([fact(1, lac=True, ehcp=True), *[fact(p) for p in range(2, 6)]])
    assert not result.allowed
    assert len(result.reasons) == 3


def test_counts_across_every_school_of_the_trust():
    facts = [fact(1, school=1), fact(2, school=1), fact(3, school=2), fact(4, school=2), fact(5, school=3)]
    assert check(facts).full_time_pupils == 5


def test_same_pupil_twice_is_one_pupil():
    facts = [fact(1, pk=1, school=1), fact(1, pk=2, school=2), fact(2), fact(3), fact(4)]
    result = check(facts)
    assert result.full_time_pupils == 4
    assert result.allowed


def test_same_pupils_part_time_placements_here_add_up():
    # Two 10-hour placements at the same provider give that pupil 20 hours there: full-time.
    result = check([fact(1, "10", pk=1), fact(1, "10", pk=2)])
    assert result.full_time_pupils == 1


def test_ended_placements_do_not_count():
    facts = [fact(p, end=date(2026, 11, 13)) for p in range(1, 6)]
    result = check(facts)
    assert result.full_time_pupils == 0
    assert result.allowed


def test_placement_ending_on_the_day_still_counts():
    facts = [fact(p, end=DAY) for p in range(1, 6)]
    assert check(facts).full_time_pupils == 5


def test_future_placements_do_not_count_today():
    facts = [fact(p, start=date(2026, 12, 1)) for p in range(1, 6)]
    assert check(facts).full_time_pupils == 0


def test_partial_overlaps_count_only_where_they_overlap():
    # Pupils 1-3 all term; 4 until 20 Nov; 5 from 23 Nov. Over the window they never reach 5 at once.
    facts = [
        *[fact(p) for p in range(1, 4)],
        fact(4, end=date(2026, 11, 20)),
        fact(5, start=date(2026, 11, 23)),
    ]
    result = check(facts, window=(date(2026, 11, 16), date(2026, 12, 18)))
    assert result.full_time_pupils == 4
    assert result.allowed
    # With pupil 5 starting one day before pupil 4 leaves, they overlap: 5 at once.
    facts[-1] = fact(5, start=date(2026, 11, 20))
    result = check(facts, window=(date(2026, 11, 16), date(2026, 12, 18)))
    assert result.full_time_pupils == 5
    assert not result.allowed


def test_window_ignores_placements_outside_it():
    facts = [fact(p, start=date(2027, 1, 4)) for p in range(1, 6)]
    result = check(facts, window=(date(2026, 11, 16), date(2026, 12, 18)))
    assert result.full_time_pupils == 0


def test_looked_after_pupil_only_counts_in_the_window():
    facts = [fact(1, lac=True, end=date(2026, 11, 1))]
    assert check(facts).allowed


@pytest.mark.parametrize(
    "status",
    [Provider.RegistrationStatus.INDEPENDENT_SCHOOL, Provider.RegistrationStatus.STATE_SCHOOL],
)
def test_registered_schools_are_always_allowed(status):
    facts = [fact(1, lac=True, ehcp=True), *[fact(p) for p in range(2, 10)]]
    result = check(facts, p=provider(status))
    assert result.allowed
    assert not result.flagged
    assert result.registered
    assert result.full_time_pupils == 9


def test_no_facts_is_allowed():
    result = check([])
    assert result.allowed and not result.flagged and result.full_time_pupils == 0
