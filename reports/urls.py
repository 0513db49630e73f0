from django.urls import path

from reports import views

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
]
