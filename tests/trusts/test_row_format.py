"""The fast row filters give what Django's own filters give."""

from datetime import date, datetime, timedelta
from decimal import Decimal
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


def test_up_to_two_places_is_floatformat_minus_two():
    mine = Template("{% load row_format %}{{ v|up_to_two_places }}")
    django = Template('{{ v|default:0|floatformat:"-2" }}')
    values = [None, 0, Decimal("0"), Decimal("12"), Decimal("12.00"), Decimal("12.50"), Decimal("7.25")]
    values += [Decimal("2.005"), Decimal("2.004"), Decimal("32.5"), Decimal("1234.5"), 3, 27.5]
    for value in values:
        context = Context({"v": value})
        assert mine.render(context) == django.render(context), value
