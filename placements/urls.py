from django.urls import path

from placements import views

app_name = "placements"

urlpatterns = [
    path("pupils/", views.pupil_list, name="pupil_list"),
    path("pupils/new/", views.pupil_create, name="pupil_create"),
    path("pupils/import/", views.pupil_import, name="pupil_import"),
    path("pupils/<int:pupil_pk>/", views.pupil_detail, name="pupil_detail"),
    path("pupils/<int:pupil_pk>/edit/", views.pupil_edit, name="pupil_edit"),
    path("pupils/<int:pupil_pk>/carers/new/", views.carer_add, name="carer_add"),
    path("placements/", views.placement_list, name="placement_list"),
    path("placements/new/", views.placement_create, name="placement_create"),
    path("placements/census.csv", views.census_export, name="census_export"),
    path("placements/<int:placement_pk>/", views.placement_detail, name="placement_detail"),
    path("placements/<int:placement_pk>/edit/", views.placement_edit, name="placement_edit"),
    path("placements/<int:placement_pk>/timetable/", views.placement_timetable, name="placement_timetable"),
    path("placements/<int:placement_pk>/propose/", views.placement_propose, name="placement_propose"),
    path("placements/<int:placement_pk>/agree/", views.placement_agree, name="placement_agree"),
    path("placements/<int:placement_pk>/activate/", views.placement_activate, name="placement_activate"),
    path("placements/<int:placement_pk>/end/", views.placement_end, name="placement_end"),
    path("placements/<int:placement_pk>/consent/", views.consent_record, name="consent_record"),
    path(
        "placements/<int:placement_pk>/la-agreement/", views.la_agreement_record, name="la_agreement_record"
    ),
    path("placements/<int:placement_pk>/plan/", views.plan_edit, name="plan_edit"),
    path("placements/<int:placement_pk>/checks/", views.checks_edit, name="checks_edit"),
    path("placements/<int:placement_pk>/sla/", views.sla_build, name="sla_build"),
    path("placements/<int:placement_pk>/notice/", views.notice_issue, name="notice_issue"),
    path("placements/<int:placement_pk>/reviews/new/", views.review_schedule, name="review_schedule"),
    path(
        "placements/<int:placement_pk>/reports/new/",
        views.provider_report_create,
        name="provider_report_create",
    ),
    path("placements/<int:placement_pk>/incidents/new/", views.incident_create, name="incident_create"),
    path("sla/<int:sla_pk>/sign/", views.sla_sign, name="sla_sign"),
    path("sla/<int:sla_pk>/pdf/", views.sla_pdf, name="sla_pdf"),
    path("notices/<int:notice_pk>/pdf/", views.notice_pdf, name="notice_pdf"),
    path("reviews/<int:review_pk>/", views.review_record, name="review_record"),
]
