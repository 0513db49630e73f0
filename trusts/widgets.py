"""A select box written in Python with the markup Django's own template gives it.

Django renders a select through a template that includes another template for each option and another for each
option's attributes; a filter bar of four or five selects of a dozen options each spent several milliseconds
there on every list page. The HTML is the same, character for character (tests/trusts/test_widgets.py)."""

from __future__ import annotations

from django import forms
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe


def _attrs(attrs: dict) -> str:
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class Select(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"', widget["name"]), _attrs(widget["attrs"]), ">"]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                parts.append(format_html('\n  <option value="{}"', option["value"]))
                parts.append(_attrs(option["attrs"]))
                parts.append(format_html(">{}</option>\n", option["label"]))
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))
