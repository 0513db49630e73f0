"""Which session of the school day a moment falls in, on the clock in England."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from attendance.sessions import current_session, session_at

LONDON = ZoneInfo("Europe/London")
MONDAY = date(2026, 11, 23)


def at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


@pytest.mark.parametrize(
    "moment,expected",
    [
        (at(MONDAY, 0, 0), "am"),
        (at(MONDAY, 12, 29), "am"),
        (at(MONDAY, 12, 30), "pm"),
        (at(MONDAY, 23, 59), "pm"),
        # In summer time the clock in England is an hour ahead of UTC: 11:45 UTC is already the afternoon.
        (datetime(2026, 6, 15, 11, 45, tzinfo=UTC), "pm"),
        (datetime(2026, 6, 15, 11, 29, tzinfo=UTC), "am"),
    ],
)
def test_the_session_now_splits_at_half_past_twelve_in_england(moment, expected):
    assert session_at(moment) == expected


def test_the_current_session_takes_the_day_from_the_clock_in_england():
    # 23:30 UTC on a summer Sunday is already Monday in England.
    assert current_session(datetime(2026, 6, 14, 23, 30, tzinfo=UTC)) == (date(2026, 6, 15), "am")


def test_the_current_session_defaults_to_now(time_machine):
    time_machine.move_to(at(MONDAY, 13, 5), tick=False)
    assert current_session() == (MONDAY, "pm")
