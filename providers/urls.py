from django.urls import path

from providers import views

app_name = "providers"

urlpatterns = [
    path("", views.provider_list, name="provider_list"),
    path("new/", views.provider_create, name="provider_create"),
    path("mine/", views.my_provider, name="my_provider"),
    path("checklist-template/", views.checklist_template_edit, name="checklist_template"),
    path("import/", views.provider_import, name="provider_import"),
    path("import/confirm/", views.provider_import_confirm, name="provider_import_confirm"),
    path("<int:provider_pk>/", views.provider_detail, name="provider_detail"),
    path("<int:provider_pk>/edit/", views.provider_edit, name="provider_edit"),
    path("<int:provider_pk>/evidence/new/", views.evidence_upload, name="evidence_upload"),
    path("<int:provider_pk>/checklist/", views.checklist_answer, name="checklist_answer"),
    path("<int:provider_pk>/checklist/blank.pdf", views.checklist_blank_pdf, name="checklist_blank_pdf"),
    path(
        "<int:provider_pk>/vetting-record.pdf", views.checklist_completed_pdf, name="checklist_completed_pdf"
    ),
    path("<int:provider_pk>/submit/", views.provider_submit, name="provider_submit"),
    path("<int:provider_pk>/approve/", views.provider_approve, name="provider_approve"),
    path("<int:provider_pk>/reject/", views.provider_reject, name="provider_reject"),
    path("<int:provider_pk>/suspend/", views.provider_suspend, name="provider_suspend"),
    path("<int:provider_pk>/staff/new/", views.staff_add, name="staff_add"),
    path("staff/<int:staff_pk>/remove/", views.staff_remove, name="staff_remove"),
    path("staff/<int:staff_pk>/signing/", views.staff_signing, name="staff_signing"),
    path("evidence/<int:evidence_pk>/download/", views.evidence_download, name="evidence_download"),
    path("evidence/<int:evidence_pk>/verify/", views.evidence_verify, name="evidence_verify"),
    path("evidence/<int:evidence_pk>/reject/", views.evidence_reject, name="evidence_reject"),
    path("conditions/<int:condition_pk>/met/", views.condition_met, name="condition_met"),
]
