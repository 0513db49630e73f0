from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "attendance"

    def ready(self):
        from attendance import signals  # noqa: F401 - connects the timetable and placement listeners
        from attendance.panels import placement_attendance_panel, pupil_attendance_panel
        from attendance.selectors import placement_sessions_counted
        from placements.attendance_source import register_attendance_source
        from placements.panels import register_placement_panel, register_pupil_panel

        register_placement_panel(placement_attendance_panel)
        register_pupil_panel(pupil_attendance_panel)
        register_attendance_source(placement_sessions_counted)
