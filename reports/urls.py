from django.urls import path

from reports import invoice_views, overview_views, termly_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/trust/", views.trust_dashboard, name="trust_dashboard"),
    path("dashboard/school/", views.school_dashboard, name="school_dashboard"),
    path("dashboard/safeguarding/", views.safeguarding_dashboard, name="safeguarding_dashboard"),
    path("dashboard/safeguarding/now/", views.safeguarding_now, name="safeguarding_now"),
    path("pupils/<int:pupil_pk>/chronology/", views.pupil_chronology, name="pupil_chronology"),
    path(
        "pupils/<int:pupil_pk>/chronology.csv",
        views.pupil_chronology,
        {"fmt": "csv"},
        name="pupil_chronology_csv",
    ),
    path(
        "pupils/<int:pupil_pk>/chronology.pdf",
        views.pupil_chronology,
        {"fmt": "pdf"},
        name="pupil_chronology_pdf",
    ),
    path("dashboard/governor/", views.governor_dashboard, name="governor_dashboard"),
    path("dashboard/provider/", views.provider_dashboard, name="provider_dashboard"),
    # Termly reports
    path("reports/", termly_views.report_index, name="report_index"),
    path("reports/school/<int:school_pk>/", termly_views.school_report, name="school_report"),
    path("reports/school/<int:school_pk>/pdf/", termly_views.school_report_pdf, name="school_report_pdf"),
    path("reports/school/<int:school_pk>/csv/", termly_views.school_report_csv, name="school_report_csv"),
    path("reports/trust/", termly_views.trust_report, name="trust_report"),
    path("reports/trust/csv/", termly_views.trust_report_csv, name="trust_report_csv"),
    path("reports/trust/build/", termly_views.trust_report_build, name="trust_report_build"),
    path("reports/runs/<int:run_pk>/", termly_views.report_run, name="report_run"),
    path("reports/runs/<int:run_pk>/download/", termly_views.report_run_download, name="report_run_download"),
    # The trust overview and invoices
    path("overview/", overview_views.overview, name="trust_overview"),
    path("overview/csv/", overview_views.overview_csv, name="trust_overview_csv"),
    path("invoices/", invoice_views.invoice_list, name="invoice_list"),
    path("invoices/<int:invoice_pk>/decide/", invoice_views.invoice_decide, name="invoice_decide"),
    path("invoices/placement/<int:placement_pk>/new/", invoice_views.invoice_new, name="invoice_new"),
]
