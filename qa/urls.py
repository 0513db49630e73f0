from django.urls import path

from qa import views

app_name = "qa"

urlpatterns = [
    path("", views.schedule, name="schedule"),
    path("visits/", views.visit_list, name="visit_list"),
    path("actions/", views.action_list, name="action_list"),
    path("decisions/", views.flag_list, name="flag_list"),
    path("framework/", views.framework_edit, name="framework"),
    path("calendar/", views.calendar_settings, name="calendar"),
    path("calendar/<str:feed_token>.ics", views.calendar_feed_view, name="calendar_feed"),
    path("providers/<int:provider_pk>/plan/", views.visit_plan, name="visit_plan"),
    path("visits/<int:visit_pk>/", views.visit_detail, name="visit_detail"),
    path("visits/<int:visit_pk>/record/", views.visit_record, name="visit_record"),
    path("visits/<int:visit_pk>/complete/", views.visit_complete, name="visit_complete"),
    path("visits/<int:visit_pk>/correct/", views.visit_correct, name="visit_correct"),
    path("visits/<int:visit_pk>/report.pdf", views.visit_report_pdf, name="visit_report_pdf"),
    path("visits/<int:visit_pk>/form.pdf", views.blank_form_pdf, name="blank_form_pdf"),
    path("actions/<int:action_pk>/", views.action_detail, name="action_detail"),
    path("decisions/<int:flag_pk>/", views.flag_decide, name="flag_decide"),
]
