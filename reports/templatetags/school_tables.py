"""The trust dashboard's two tables of every school, their rows written in Python: forty schools of eight
stages each were most of the page's rendering as template loops."""

from django import template
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()


def _stage_cell(list_url, school_pk, value, n):
    if not n:
        return mark_safe('<td class="text-end"><span class="text-body-secondary">0</span></td>')
    return format_html(
        '<td class="text-end"><a href="{}?school={}&amp;status={}">{}</a></td>', list_url, school_pk, value, n
    )


@register.simple_tag
def stage_rows(school_rows, list_url):
    """``{% stage_rows school_rows list_url %}``: a row a school, its placements counted by stage, each count a
    link to the list of them."""
    return format_html_join(
        "\n",
        '<tr><th scope="row" class="fw-normal">{}<div class="small text-body-secondary">URN {} · {}</div></th>'
        '<td class="text-end d-none d-md-table-cell">{}</td>{}</tr>',
        (
            (
                row["school"].name,
                row["school"].urn,
                row["school"].local_authority,
                localize(row["school"].staff),
                mark_safe("".join(_stage_cell(list_url, row["school"].pk, v, n) for v, n in row["stages"])),
            )
            for row in school_rows
        ),
    )


@register.simple_tag
def attendance_rows(school_rows):
    """``{% attendance_rows school_rows %}``: a row a school, its attendance this year and how many of its pupils
    are persistently and severely absent."""

    def percentage(figure):
        value = getattr(figure, "percentage", None)
        return "—" if value is None else f"{localize(value)}%"

    return format_html_join(
        "\n",
        '<tr><th scope="row" class="fw-normal">{}</th><td class="text-end">{}</td>'
        '<td class="text-end" data-testid="persistent-{}">{}</td>'
        '<td class="text-end" data-testid="severe-{}">{}</td></tr>',
        (
            (
                row["school"].name,
                percentage(row["figure"]),
                row["school"].pk,
                localize(row["persistent"]),
                row["school"].pk,
                localize(row["severe"]),
            )
            for row in school_rows
        ),
    )
