"""The trust overview: per school and per provider, sortable, with a CSV of both tables."""

from __future__ import annotations

import io

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from reports.overview import PROVIDER_COLUMNS, SCHOOL_COLUMNS, csv_rows, overview_snapshot, sort_rows
from trusts.csv_export import SafeWriter
from trusts.permissions import permission_required
from trusts.snapshots import rendered


@permission_required("report.overview")
def overview(request):
    kept = overview_snapshot(request.membership, today=timezone.localdate())
    data = kept.value
    schools, school_sort = sort_rows(data["school_rows"], SCHOOL_COLUMNS, request.GET.get("sort", "name"))
    providers, provider_sort = sort_rows(
        data["provider_rows"], PROVIDER_COLUMNS, request.GET.get("psort", "name")
    )
    tables = rendered(
        kept,
        "reports/_overview_tables.html",
        {
            "school_rows": schools,
            "provider_rows": providers,
            "school_columns": SCHOOL_COLUMNS,
            "provider_columns": PROVIDER_COLUMNS,
            "sort": school_sort,
            "psort": provider_sort,
        },
        vary=(school_sort, provider_sort),
    )
    return render(request, "reports/overview.html", {**data, "tables": tables, "as_of": kept.as_of})


@permission_required("report.overview")
def overview_csv(request):
    kept = overview_snapshot(request.membership, today=timezone.localdate())
    data = kept.value
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow([f"Trust overview, {data['year_start']:%Y-%m-%d} to {data['today']:%Y-%m-%d}"])
    writer.writerow([c.label for c in SCHOOL_COLUMNS])
    writer.writerows(csv_rows(data["school_rows"], SCHOOL_COLUMNS))
    writer.writerow([])
    writer.writerow([c.label for c in PROVIDER_COLUMNS])
    writer.writerows(csv_rows(data["provider_rows"], PROVIDER_COLUMNS))
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="trust-overview-{data["today"]:%Y%m%d}.csv"'
    return response
