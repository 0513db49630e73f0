from django.urls import path

from placements.views import (
    agreements,
    behaviour,
    concerns,
    conditions,
    placements,
    pupils,
    retention,
    reviews,
)

app_name = "placements"

urlpatterns = [
    path("retention/", retention.retention_reviews, name="retention_reviews"),
    path("retention/<int:retention_review_pk>/", retention.retention_review, name="retention_review"),
    path("pupils/", pupils.pupil_list, name="pupil_list"),
    path("pupils/new/", pupils.pupil_create, name="pupil_create"),
    path("pupils/import/", pupils.pupil_import, name="pupil_import"),
    path("pupils/<int:pupil_pk>/", pupils.pupil_detail, name="pupil_detail"),
    path("pupils/<int:pupil_pk>/edit/", pupils.pupil_edit, name="pupil_edit"),
    path("pupils/<int:pupil_pk>/carers/new/", pupils.carer_add, name="carer_add"),
    path("placements/", placements.placement_list, name="placement_list"),
    path("placements/new/", placements.placement_create, name="placement_create"),
    path("placements/census.csv", placements.census_export, name="census_export"),
    path("placements/awaiting-agreement/", placements.awaiting_agreement, name="awaiting_agreement"),
    path("placements/<int:placement_pk>/", placements.placement_detail, name="placement_detail"),
    path("placements/<int:placement_pk>/edit/", placements.placement_edit, name="placement_edit"),
    path(
        "placements/<int:placement_pk>/timetable/", placements.placement_timetable, name="placement_timetable"
    ),
    path("placements/<int:placement_pk>/propose/", placements.placement_propose, name="placement_propose"),
    path("placements/<int:placement_pk>/agree/", placements.placement_agree, name="placement_agree"),
    path("placements/<int:placement_pk>/activate/", placements.placement_activate, name="placement_activate"),
    path("placements/<int:placement_pk>/end/", reviews.placement_end, name="placement_end"),
    path("placements/<int:placement_pk>/consent/", conditions.consent_record, name="consent_record"),
    path(
        "placements/<int:placement_pk>/la-agreement/",
        conditions.la_agreement_record,
        name="la_agreement_record",
    ),
    path("placements/<int:placement_pk>/plan/", conditions.plan_edit, name="plan_edit"),
    path("placements/<int:placement_pk>/checks/", conditions.checks_edit, name="checks_edit"),
    path("placements/<int:placement_pk>/sla/", agreements.sla_build, name="sla_build"),
    path("placements/<int:placement_pk>/notice/", agreements.notice_issue, name="notice_issue"),
    path("placements/<int:placement_pk>/reviews/new/", reviews.review_schedule, name="review_schedule"),
    path(
        "placements/<int:placement_pk>/reports/new/",
        reviews.provider_report_create,
        name="provider_report_create",
    ),
    path("placements/<int:placement_pk>/incidents/new/", reviews.incident_create, name="incident_create"),
    path(
        "placements/<int:placement_pk>/causing-concern/",
        behaviour.causing_concern_mark,
        name="causing_concern_mark",
    ),
    path(
        "placements/<int:placement_pk>/causing-concern/clear/",
        behaviour.causing_concern_clear,
        name="causing_concern_clear",
    ),
    path(
        "placements/<int:placement_pk>/behaviour-updates/new/",
        behaviour.behaviour_update_create,
        name="behaviour_update_create",
    ),
    path("placements/<int:placement_pk>/referral/", agreements.referral_respond, name="referral_respond"),
    path("placements/<int:placement_pk>/agreement/", agreements.sla_history, name="sla_history"),
    path(
        "placements/<int:placement_pk>/documents/new/", agreements.attachment_upload, name="attachment_upload"
    ),
    path("documents/<int:attachment_pk>/", agreements.attachment_download, name="attachment_download"),
    path(
        "placements/<int:placement_pk>/setup-meeting/",
        agreements.setup_meeting_record,
        name="setup_meeting_record",
    ),
    path(
        "placements/<int:placement_pk>/initial-assessment/",
        agreements.initial_assessment_record,
        name="initial_assessment_record",
    ),
    path(
        "placements/<int:placement_pk>/home-school/", agreements.home_school_record, name="home_school_record"
    ),
    path("home-school/<int:home_school_pk>/pdf/", agreements.home_school_pdf, name="home_school_pdf"),
    path("pupils/<int:pupil_pk>/suspensions/", agreements.suspension_record, name="suspension_record"),
    path(
        "placements/<int:placement_pk>/referral-form/",
        agreements.referral_form_edit,
        name="referral_form_edit",
    ),
    path(
        "placements/<int:placement_pk>/referral-form.pdf",
        agreements.referral_form_pdf,
        name="referral_form_pdf",
    ),
    path(
        "placements/<int:placement_pk>/suspension-notice/",
        agreements.suspension_notice_issue,
        name="suspension_notice_issue",
    ),
    path(
        "suspension-notices/<int:suspension_notice_pk>/pdf/",
        agreements.suspension_notice_pdf,
        name="suspension_notice_pdf",
    ),
    path("sla/<int:sla_pk>/sign/school/", agreements.sla_sign_school, name="sla_sign_school"),
    path("sla/<int:sla_pk>/sign/provider/", agreements.sla_sign_provider, name="sla_sign_provider"),
    path("sla/<int:sla_pk>/pdf/", agreements.sla_pdf, name="sla_pdf"),
    path("notices/<int:notice_pk>/pdf/", agreements.notice_pdf, name="notice_pdf"),
    path("reviews/<int:review_pk>/", reviews.review_record, name="review_record"),
    # Safeguarding concerns
    path("placements/<int:placement_pk>/concerns/new/", concerns.concern_raise, name="concern_raise"),
    path("placements/<int:placement_pk>/brief/", concerns.provider_brief_edit, name="provider_brief_edit"),
    path("concerns/", concerns.concern_list, name="concern_list"),
    path("concerns/<int:concern_pk>/", concerns.concern_detail, name="concern_detail"),
    path("concerns/<int:concern_pk>/acknowledge/", concerns.concern_acknowledge, name="concern_acknowledge"),
    path("concerns/<int:concern_pk>/actions/", concerns.concern_action_add, name="concern_action_add"),
    path("concerns/<int:concern_pk>/close/", concerns.concern_close, name="concern_close"),
    path("concerns/<int:concern_pk>/attachment/", concerns.concern_attachment, name="concern_attachment"),
    path("incidents/<int:incident_pk>/concern/", concerns.incident_to_concern, name="incident_to_concern"),
]
