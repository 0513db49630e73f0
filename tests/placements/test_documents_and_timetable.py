"""Work in its right place: PDFs are rendered after the transaction that froze their data has committed (no
lock waits on WeasyPrint), a signed SLA's bytes are never rendered again, and a timetable edit updates its
sessions in place and refreshes attendance once per placement."""

from __future__ import annotations

from datetime import date, time
from unittest import mock

import pytest
from django.db import connections, transaction

from attendance.signals import _Refresh
from placements import lifecycle
from placements.agreements import documents, notice, sla
from placements.models import TimetableSession
from tests.placements.conftest import FULL_WEEK, TWO_MORNINGS, make_ready, new_placement


def _placement_row_is_free(placement_pk: int) -> bool:
    """Whether another connection can lock the placement's row right now (without waiting)."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            try:
                cursor.execute(
                    "SELECT id FROM placements_placement WHERE id = %s FOR UPDATE NOWAIT", [placement_pk]
                )
            except Exception:
                return False
            finally:
                cursor.execute("ROLLBACK")
        return True
    finally:
        other.close()


def _timetabled(pw, lead, **fields):
    placement = new_placement(pw, **fields)
    lifecycle.timetable_set(by=lead, placement=placement, sessions=FULL_WEEK)
    return placement


def test_the_sla_pdf_is_rendered_after_the_lock_is_released(pw, django_capture_on_commit_callbacks):
    lead = pw.personas["a.ap_lead"]
    placement = _timetabled(pw, lead)
    calls = []
    real = documents.render_sla_pdf

    def render(**kwargs):
        calls.append(transaction.get_connection().in_atomic_block)
        return real(**kwargs)

    with mock.patch.object(sla, "render_sla_pdf", side_effect=render):
        with django_capture_on_commit_callbacks() as callbacks:
            version = sla.sla_build_version(by=lead, placement=placement)
        # Inside the transaction only the data is frozen: nothing is rendered under the lock.
        assert calls == [] and len(callbacks) == 1
        version.refresh_from_db()
        assert bytes(version.pdf) == b"" and version.snapshot["pupil"]["upn"] == placement.pupil.upn
        callbacks[0]()
    version.refresh_from_db()
    assert len(calls) == 1 and bytes(version.pdf).startswith(b"%PDF")


@pytest.mark.django_db(transaction=True)
def test_no_lock_is_held_on_the_placement_while_the_pdf_renders(pw):
    lead = pw.personas["a.ap_lead"]
    placement = _timetabled(pw, lead)
    free_while_rendering = []

    def render(**kwargs):
        free_while_rendering.append(_placement_row_is_free(placement.pk))
        return b"%PDF-1.7 test"

    with mock.patch.object(sla, "render_sla_pdf", side_effect=render):
        version = sla.sla_build_version(by=lead, placement=placement)
    version.refresh_from_db()
    assert free_while_rendering == [True]
    assert bytes(version.pdf) == b"%PDF-1.7 test"


def test_a_signed_slas_bytes_are_rendered_once_and_kept(pw, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        placement = make_ready(pw, new_placement(pw))
    version = placement.sla_versions.get()
    signed = bytes(version.signed_pdf)
    assert version.fully_signed and signed.startswith(b"%PDF")
    with mock.patch.object(sla, "render_sla_pdf") as render:
        again = sla.sla_documents_render(trust_id=version.trust_id, version_pk=version.pk)
    render.assert_not_called()
    assert bytes(again.signed_pdf) == signed


def test_the_notice_pdf_is_rendered_after_the_commit(pw, django_capture_on_commit_callbacks):
    lead = pw.personas["a.ap_lead"]
    placement = new_placement(
        pw, reason="off_site", start_date=date(2026, 11, 30), planned_end_date=date(2026, 12, 11)
    )
    lifecycle.timetable_set(by=lead, placement=placement, sessions=TWO_MORNINGS)
    with mock.patch.object(notice, "render_notice_pdf", return_value=b"%PDF notice") as render:
        with django_capture_on_commit_callbacks() as callbacks:
            issued = notice.referral_notice_issue(
                by=lead,
                placement=placement,
                notice_date=date(2026, 11, 25),
                delivered_by="hand",
                recipients="Chris Parent",
                report_to="Reception",
                reasons="Disruption.",
                objectives="Return to lessons.",
            )
        render.assert_not_called()
        issued.refresh_from_db()
        assert bytes(issued.pdf) == b"" and issued.contents["number_of_days"] == 10
        for callback in callbacks:
            callback()
    issued.refresh_from_db()
    render.assert_called_once_with(contents=issued.contents)
    assert bytes(issued.pdf) == b"%PDF notice"


def test_a_pdf_left_unrendered_is_rendered_on_download(
    pw, client, sign_in_as, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    lead = pw.personas["a.ap_lead"]
    placement = _timetabled(pw, lead)
    with django_capture_on_commit_callbacks():  # the commit's render never runs (say the process stopped)
        version = sla.sla_build_version(by=lead, placement=placement)
    sign_in_as(lead)
    response = client.get(reverse("placements:sla_pdf", kwargs={"sla_pk": version.pk}))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    version.refresh_from_db()
    assert bytes(version.pdf) == response.content


def _waiting_refreshes(placement) -> list:
    """The attendance refreshes of ``placement`` waiting for the current transaction to commit."""
    waiting = transaction.get_connection().run_on_commit
    refresh = _Refresh(trust_id=placement.trust_id, placement_id=placement.pk)
    return [callback for _, callback, *_ in waiting if callback == refresh]


def test_a_timetable_edit_updates_sessions_in_place_and_refreshes_attendance_once(
    pw, django_assert_max_num_queries
):
    lead = pw.personas["a.ap_lead"]
    placement = make_ready(pw, new_placement(pw))
    lifecycle.placement_agree(by=pw.personas["a.headteacher"], placement=placement)
    before = {(s.weekday, s.session): s.pk for s in placement.sessions.all()}
    # Friday afternoon dropped, Monday morning shortened, the rest unchanged.
    edited = [s for s in FULL_WEEK if (s["weekday"], s["session"]) != (4, "pm")]
    edited = [
        {**s, "end_time": time(11, 30)} if (s["weekday"], s["session"]) == (0, "am") else s for s in edited
    ]
    with django_assert_max_num_queries(20):
        lifecycle.timetable_set(by=lead, placement=placement, sessions=edited)
    after = {(s.weekday, s.session): s for s in TimetableSession.objects.filter(placement=placement)}
    assert set(after) == set(before) - {(4, "pm")}
    assert all(after[key].pk == before[key] for key in after)  # the same rows, not new ones
    assert after[(0, "am")].end_time == time(11, 30)
    # Every session saved, the agreement and the edit all happened in this (test) transaction: one refresh.
    waiting = _waiting_refreshes(placement)
    assert len(waiting) == 1
    with mock.patch("attendance.tasks.refresh_sessions.delay") as delay:
        waiting[0]()
    delay.assert_called_once_with(trust_id=placement.trust_id, placement_id=placement.pk)


def test_a_rolled_back_edit_does_not_stop_the_next_refresh(pw):
    lead = pw.personas["a.ap_lead"]
    placement = new_placement(pw)  # a draft: nothing is waiting for it yet
    assert _waiting_refreshes(placement) == []
    try:
        with transaction.atomic():
            lifecycle.timetable_set(by=lead, placement=placement, sessions=TWO_MORNINGS)
            assert len(_waiting_refreshes(placement)) == 1
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    assert _waiting_refreshes(placement) == []
    lifecycle.timetable_set(by=lead, placement=placement, sessions=FULL_WEEK)
    assert len(_waiting_refreshes(placement)) == 1
