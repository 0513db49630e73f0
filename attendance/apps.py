from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "attendance"

    def ready(self):
        from attendance import signals  # noqa: F401 - connects the timetable and placement listeners
