"""The select box written in Python gives Django's own markup, character for character."""

import pytest
from django import forms

from trusts.widgets import Select

CHOICES = [
    ("", "Any status"),
    ("a", "Plain"),
    ("b&c", 'Quotes " and <tags> & ampersands'),
    (3, "A number"),
    ("Group", [("g1", "In a group"), ("g2", "Also in it")]),
]


@pytest.mark.parametrize("value", [None, "", "a", "b&c", 3, "g2", ["a", "g1"]])
@pytest.mark.parametrize(
    "attrs", [None, {"id": "id_status", "class": "select form-select", "required": True, "disabled": False}]
)
def test_the_select_is_djangos_markup(value, attrs):
    django_select = forms.Select(choices=CHOICES, attrs={"data-x": 'y"z'})
    ours = Select(choices=CHOICES, attrs={"data-x": 'y"z'})
    assert ours.render("status", value, attrs=attrs) == django_select.render("status", value, attrs=attrs)


def test_a_filter_field_renders_the_same_through_a_form():
    class Form(forms.Form):
        mine = forms.ChoiceField(choices=CHOICES[:4], widget=Select, required=False)
        theirs = forms.ChoiceField(choices=CHOICES[:4], required=False)

    form = Form({"mine": "b&c", "theirs": "b&c"})
    assert str(form["mine"]).replace("mine", "X") == str(form["theirs"]).replace("theirs", "X")
