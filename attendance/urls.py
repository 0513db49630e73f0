from django.urls import path

from attendance import views

app_name = "attendance"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("register/all-present/", views.all_present, name="all_present"),
    path("sessions/<int:session_pk>/mark/", views.mark, name="mark"),
    path("school/", views.school_register, name="school_register"),
    path("marks/<int:mark_pk>/code/", views.code_set, name="code_set"),
    path("follow-ups/", views.follow_ups, name="follow_ups"),
    path("follow-ups/<int:follow_up_pk>/", views.follow_up, name="follow_up"),
    path("figures/", views.figures, name="figures"),
    path("export/", views.export, name="export"),
    path("placements/<int:placement_pk>/register/", views.arrangement, name="arrangement"),
]
