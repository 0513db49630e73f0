"""A pupil's safeguarding flags as badges, written in Python: the DSL's lists show them on every row, and an
included template a row was a large part of the dashboard's time."""

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

# (attribute, badge class, test id, label), in the order they show.
FLAGS = (
    ("looked_after", "text-bg-warning", "flag-lac", "Looked after"),
    ("child_protection_plan", "text-bg-danger", "flag-cp", "Child protection plan"),
    ("child_in_need", "text-bg-info", "flag-cin", "Child in need"),
)


@register.filter
def pupil_flags(pupil):
    """``{{ pupil|pupil_flags }}``: a badge for each flag the pupil has, or nothing."""
    shown = [(css, test_id, label) for name, css, test_id, label in FLAGS if getattr(pupil, name, False)]
    if not shown:
        return mark_safe("")
    return format_html_join(" ", '<span class="badge {}" data-testid="{}">{}</span>', shown)
