"""The provider page's QA section: the provider app includes it by template, without importing qa."""

from django import template
from django.utils.html import format_html, format_html_join

from qa import selectors
from trusts.permissions import has_perm

register = template.Library()

CHART_WIDTH, CHART_HEIGHT, PAD = 320, 110, 22


def score_chart(history) -> str:
    """A small SVG line of each visit's score (share of "fully" points), the same on screen and in print."""
    points = [(h["visit"].visit_date, h["score"]) for h in history if h["score"] is not None]
    if not points:
        return ""
    n = len(points)
    step = (CHART_WIDTH - 2 * PAD) / max(n - 1, 1)

    def xy(i, score):
        return PAD + i * step, CHART_HEIGHT - PAD - (CHART_HEIGHT - 2 * PAD) * score / 100

    coords = [xy(i, s) for i, (_, s) in enumerate(points)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    dots = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="3.5" fill="#1f3a5f"><title>{}: {}%</title></circle>'
        '<text x="{}" y="{}" font-size="9" text-anchor="middle">{}</text>',
        (
            (
                f"{x:.1f}",
                f"{y:.1f}",
                d.strftime("%d %b %Y"),
                s,
                f"{x:.1f}",
                CHART_HEIGHT - 6,
                d.strftime("%b %y"),
            )
            for (x, y), (d, s) in zip(coords, points, strict=True)
        ),
    )
    return format_html(
        '<svg role="img" aria-label="Score at each visit: {}" width="{}" height="{}" viewBox="0 0 {} {}" '
        'class="qa-chart" data-testid="qa-chart">'
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#bbb"/><line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#eee"/>'
        '<text x="2" y="{}" font-size="9">100%</text><text x="2" y="{}" font-size="9">0%</text>'
        '<polyline points="{}" fill="none" stroke="#1f3a5f" stroke-width="2"/>{}</svg>',
        ", ".join(f"{d:%b %Y} {s}%" for d, s in points),
        CHART_WIDTH,
        CHART_HEIGHT,
        CHART_WIDTH,
        CHART_HEIGHT,
        PAD,
        CHART_HEIGHT - PAD,
        CHART_WIDTH - PAD,
        CHART_HEIGHT - PAD,
        PAD,
        PAD,
        CHART_WIDTH - PAD,
        PAD,
        PAD + 3,
        CHART_HEIGHT - PAD + 3,
        line,
        dots,
    )


@register.inclusion_tag("qa/_provider_history.html", takes_context=True)
def provider_qa_history(context, provider):
    request = context.get("request")
    membership = getattr(request, "membership", None)
    if membership is None or not has_perm(membership, "qa_visit.read"):
        return {"show": False}
    history = selectors.provider_history(provider, membership)
    return {
        "show": True,
        "provider": provider,
        "history": list(reversed(history)),
        "chart": score_chart(history),
        "can_plan": has_perm(membership, "qa_visit.record"),
    }
