"""The termly report as a PDF (WeasyPrint, the print stylesheet shared with the other documents) and as CSV."""

from __future__ import annotations

import io

from django.template.loader import render_to_string
from django.utils import timezone

from trusts.csv_export import SafeWriter
from trusts.pdf import html_to_pdf


def render_report_pdf(report) -> bytes:
    html = render_to_string("reports/pdf/termly.html", {"report": report, "made_at": timezone.localtime()})
    return html_to_pdf(html)


def report_csv(report) -> str:
    """Every table of the report, one after another: its title, its definition, the header and the rows."""
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(
        [report.title, report.scope_label, f"{report.period.start:%Y-%m-%d}", f"{report.period.end:%Y-%m-%d}"]
    )
    writer.writerow([f"Counts below {report.threshold} are shown as 'fewer than {report.threshold}'."])
    for table in report.tables():
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow([table.definition])
        writer.writerow(table.columns)
        writer.writerows(table.rows)
    return out.getvalue()
