"""A register tap's cost: a fixed, small number of queries (the phone posts one a pupil, hundreds a minute)."""

from django.urls import reverse
from django_scopes import scope

from attendance import services
from attendance.models import RegisterMark
from tests.attendance.test_views import day, session_of  # noqa: F401 - the fixture
from tests.conftest import sign_in


def _post(client, session, version, status="present"):
    return client.post(
        reverse("attendance:mark", args=[session.pk]),
        {"status": status, "version": version},
        HTTP_HX_REQUEST="true",
    )


def test_a_tap_is_three_queries_and_a_stale_tap_four(client, world, day, django_assert_num_queries):  # noqa: F811
    with scope(trust=world.trust_a.pk):
        services.placement_register_arrangement(placement=day["mine"])
    sign_in(client, world.personas["a.provider_staff"])
    client.get(reverse("attendance:register"))  # the session refreshed, the memberships cached
    session = session_of(day["mine"])
    # The user; the session's row with its pupil, school, placement and arrangement; the one statement that
    # writes the mark (version check, history, follow-up). Nothing for the session or the memberships.
    with django_assert_num_queries(3):
        response = _post(client, session, 0)
    body = response.content.decode()
    assert response.status_code == 200 and 'name="version" value="1"' in body and "Present" in body
    # A phone that still shows the session unmarked: refused, and the mark that stands is read to say so.
    with django_assert_num_queries(4):
        stale = _post(client, session, 0, status="absent")
    assert "was not saved" in stale.content.decode() and 'name="version" value="1"' in stale.content.decode()
    with scope(trust=world.trust_a.pk):
        mark = RegisterMark.objects.get(expected_session=session)
        assert (mark.status, mark.version, mark.history.count()) == ("present", 1, 1)
        assert mark.history.get().history_user_id == world.personas["a.provider_staff"].user_id


def test_another_providers_session_is_404_and_writes_nothing(client, world, day):  # noqa: F811
    sign_in(client, world.personas["a.provider_staff"])
    theirs = session_of(day["other_provider"])
    assert _post(client, theirs, 0).status_code == 404
    with scope(trust=world.trust_a.pk):
        assert not RegisterMark.objects.filter(expected_session=theirs).exists()


def test_a_refused_tap_shows_the_mark_that_stands(client, world, day, django_assert_num_queries):  # noqa: F811
    with scope(trust=world.trust_a.pk):
        services.placement_register_arrangement(placement=day["mine"])
    sign_in(client, world.personas["a.provider_staff"])
    client.get(reverse("attendance:register"))
    session = session_of(day["mine"])
    _post(client, session, 0)
    # Late without the minutes: nothing is written, and the row shows the present mark with its version. The
    # tap's read leaves the mark out, so the refused row reads it: the user, the session's row, the mark.
    with django_assert_num_queries(3):
        refused = client.post(
            reverse("attendance:mark", args=[session.pk]),
            {"status": "late", "version": 1},
            HTTP_HX_REQUEST="true",
        )
    body = refused.content.decode()
    assert "alert-danger" in body and "Present" in body and 'name="version" value="1"' in body
    assert 'data-testid="mark-status"' in body
    with scope(trust=world.trust_a.pk):
        assert RegisterMark.objects.get(expected_session=session).status == "present"


def test_a_refused_first_tap_reads_the_missing_mark_once(client, world, day, django_assert_num_queries):  # noqa: F811
    sign_in(client, world.personas["a.provider_staff"])
    client.get(reverse("attendance:register"))
    session = session_of(day["mine"])
    # Late without the minutes on an unmarked session: the user, the session's row, the mark (there is none).
    with django_assert_num_queries(3):
        refused = client.post(
            reverse("attendance:mark", args=[session.pk]), {"status": "late"}, HTTP_HX_REQUEST="true"
        )
    body = refused.content.decode()
    assert "alert-danger" in body and 'name="version" value="0"' in body
    assert 'data-testid="mark-status"' not in body and "Present" in body  # the buttons, no mark
    with scope(trust=world.trust_a.pk):
        assert not RegisterMark.objects.filter(expected_session=session).exists()
