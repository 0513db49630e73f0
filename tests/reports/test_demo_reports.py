"""The demo has three terms of AP, so the termly report's trends and comparisons show real figures."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_scopes import scope, scopes_disabled

from reports import termly
from reports.builder import report_for
from reports.models import Invoice
from trusts.models import Membership, Term
from trusts.roles import Role


@pytest.mark.django_db
def test_demo_reports_cover_three_terms(capsys, time_machine):
    from datetime import date

    time_machine.move_to(date(2026, 11, 23), tick=False)
    call_command("seed_demo")
    with scopes_disabled():
        governor = Membership.objects.filter(role=Role.GOVERNOR, school__isnull=True).order_by("pk").first()
    with scope(trust=governor.trust_id):
        terms = {(t.academic_year.name, t.name): t for t in Term.objects.select_related("academic_year")}
        filled = 0
        for key in (("2025/26", "spring"), ("2025/26", "summer"), ("2026/27", "autumn")):
            period = termly.term_period(terms[key])
            report = report_for(governor, school=None, period=period, today=date(2026, 11, 23))
            assert not report.empty, key
            attendance = next(t for t in report.tables() if t.key == "attendance")
            assert "%" in attendance.rows[-1][2], (key, attendance.rows)
            filled += 1
        assert filled == 3
        # The autumn report compares with the two earlier terms.
        autumn = report_for(
            governor,
            school=None,
            period=termly.term_period(terms[("2026/27", "autumn")]),
            today=date(2026, 11, 23),
        )
        rows = next(t for t in autumn.tables() if t.key == "attendance").rows
        assert len(rows) >= 3 and all("%" in r[2] for r in rows[-3:])
        assert Invoice.objects.exists()
        assert Invoice.objects.filter(status="disputed").exists()
