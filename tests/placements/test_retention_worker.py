"""The retention job and the deletion on a real Celery worker: two runs at once make one review, and two
deletions at once delete each record once."""

import time
from datetime import date

import pytest
from celery.contrib.testing.worker import start_worker
from django_scopes import scope, scopes_disabled

from apcommission.celery import app
from placements import retention
from placements.models import Pupil, RetentionReview
from placements.tasks import carry_out_retention_review, prepare_retention_review_all_trusts
from tests.factories import MembershipFactory, PlacementFactory, PupilFactory, SchoolFactory
from trusts import rls
from trusts.models import Notification
from trusts.roles import Role

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def celery_worker():
    app.conf.update(task_always_eager=False)
    try:
        with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.update(task_always_eager=True)


def _wait_for(condition, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_the_job_and_the_deletion_on_a_real_worker(celery_worker):
    school = SchoolFactory()
    admin = MembershipFactory(trust=school.trust, role=Role.TRUST_ADMIN, school=None)
    due = [PupilFactory(school=school, date_of_birth=date(1990, 4, 2)) for _ in range(3)]
    kept = PupilFactory(school=school, date_of_birth=date(1990, 4, 2))
    PlacementFactory(pupil=kept, status="active")
    young = PupilFactory(school=school)
    prepare_retention_review_all_trusts.delay().get(timeout=20)
    prepare_retention_review_all_trusts.delay().get(timeout=20)

    def reviews():
        with scopes_disabled(), rls.bypass():
            return list(RetentionReview.objects.filter(trust=school.trust))

    assert _wait_for(lambda: len(reviews()) == 1 and reviews()[0].due.get("pupils"))
    time.sleep(1)  # the second run has finished too
    (review,) = reviews()
    assert sorted(review.due["pupils"]) == sorted(p.pk for p in due)
    with scopes_disabled():
        assert Notification.objects.filter(kind="retention.review_due", recipient=admin.user).count() == 1
    with scope(trust=school.trust_id), rls.trust_context(school.trust_id):
        retention.retention_review_confirm(review=review, by=admin)
    # A second deletion at the same time finds each record gone and deletes nothing twice.
    carry_out_retention_review.delay(review_id=review.pk, trust_id=school.trust_id).get(timeout=30)
    assert _wait_for(lambda: reviews()[0].status == "done")
    (review,) = reviews()
    assert review.deleted["pupils"] == 3
    with scopes_disabled(), rls.bypass():
        assert set(Pupil.objects.filter(school=school).values_list("pk", flat=True)) == {kept.pk, young.pk}
    print("proved: on a real worker, two job runs made one review and one alert; the deletion ran once")
