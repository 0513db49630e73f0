"""The fast row filters give what Django's own filters give."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.template import Context, Template


def test_day_month_year_is_the_date_filter():
    mine = Template("{% load row_format %}{{ d|day_month_year }}")
    django = Template('{{ d|date:"j M Y" }}')
    values = [date(2026, 1, 1) + timedelta(days=n * 17) for n in range(30)]
    # An aware moment shown in local time: 23:30 UTC on 31 May is 1 June in London.
    values += [datetime(2026, 5, 31, 23, 30, tzinfo=ZoneInfo("UTC")), None, ""]
    for value in values:
        context = Context({"d": value})
        assert mine.render(context) == django.render(context), value
