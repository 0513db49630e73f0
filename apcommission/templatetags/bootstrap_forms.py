"""Forms in Bootstrap 5 markup: ``{{ form|crispy }}`` and ``{{ form.field|as_crispy_field }}`` with the markup of
crispy-forms' bootstrap5 pack, written out in Python for the common fields.

crispy's field template is a dozen nested includes and conditions a field; a form of thirty fields (the trust's
policy) spent three quarters of its page's time in it. Here a text input, a text area, a select or a checkbox is
written directly (the widget itself still rendered by Django, with the classes crispy gives it), and the rest
(lists of radio buttons or checkboxes, file inputs, multi-part widgets, formsets) still go through crispy's own
templates, so every form keeps the one markup it had.
"""

from __future__ import annotations

from crispy_forms.templatetags import crispy_forms_filters
from django import forms, template
from django.forms.formsets import BaseFormSet
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

ASTERISK = '<span class="asteriskField">*</span>'


@register.filter(name="crispy")
def form_markup(form):
    if isinstance(form, BaseFormSet) or getattr(form, "helper", None) is not None:
        return crispy_forms_filters.as_crispy_form(form)
    parts = [_non_field_errors(form)]
    parts.extend(_field(field) for field in form)
    return mark_safe("".join(parts))


@register.filter(name="as_crispy_field")
def field_markup(field):
    if getattr(field.form, "helper", None) is not None:
        return crispy_forms_filters.as_crispy_field(field)
    return mark_safe(_field(field))


def _written_here(widget) -> bool:
    """The widgets written here; the others go through crispy's templates."""
    if hasattr(widget, "widgets") or hasattr(widget, "widget"):
        return False  # multi-part or wrapping widgets
    return not isinstance(widget, forms.FileInput)


def _field(field) -> str:
    if field.is_hidden:
        return str(field)
    widget = field.field.widget
    if not _written_here(widget):
        return str(crispy_forms_filters.as_crispy_field(field))
    errors = field.errors
    css = field.css_classes()
    css = f" {css}" if css else ""
    if isinstance(widget, forms.CheckboxInput):
        control = _widget(field, "form-check-input is-invalid" if errors else "form-check-input")
        label = _label(field, "label", "form-check-label")
        return (
            f'<div class="mb-3"><div id="div_{field.auto_id}" class="form-check{css}">'
            f"{control}{label}{_errors(field)}{_help(field)}</div></div>"
        )
    if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
        return _choice_list(field, css)
    if isinstance(widget, forms.Select):
        classes = "form-select is-invalid" if errors else "form-select"
    else:
        classes = "form-control is-invalid" if errors else "form-control"
    label = _label(field, "label", "form-label") if field.label else ""
    return (
        f'<div id="div_{field.auto_id}" class="mb-3{css}">'
        f"{label}{_widget(field, classes)}{_errors(field)}{_help(field)}</div>"
    )


def _label(field, tag: str, css: str, after: str = "") -> str:
    """The field's label (or legend), marked required as crispy marks it."""
    required = field.field.required
    return format_html(
        '<{}{} class="{}{}{}">{}{}</{}>',
        tag,
        format_html(' for="{}"', field.id_for_label) if field.id_for_label else "",
        css,
        " requiredField" if required else "",
        after,
        field.label,
        mark_safe(ASTERISK) if required else "",
        tag,
    )


def _choice_list(field, css: str) -> str:
    """Radio buttons or checkboxes, one a line, in a fieldset whose legend is the field's label."""
    invalid = " is-invalid" if field.errors else ""
    opening = closing = ""
    if field.label and field.use_fieldset:
        described = getattr(field, "aria_describedby", None)
        opening = format_html(
            "<fieldset{}>{}",
            format_html(' aria-describedby="{}"', described) if described else "",
            _label(field, "legend", "form-label", " fs-6"),
        )
        closing = "</fieldset>"
    elif field.label:
        opening = _label(field, "label", "form-label")
    groups = list(crispy_forms_filters.optgroups(field))
    items = []
    for g, (group, options, _index) in enumerate(groups):
        if group:
            items.append(format_html("<strong>{}</strong>", group))
        for n, option in enumerate(options):
            attrs = "".join(
                format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
                for name, value in option["attrs"].items()
                if value is not False
            )
            last = g == len(groups) - 1 and n == len(options) - 1
            items.append(
                format_html(
                    '<div class="form-check"><input type="{}" class="form-check-input{}" name="{}" value="{}"{}>'
                    '<label for="{}" class="form-check-label">{}</label>{}</div>',
                    option["type"],
                    invalid,
                    field.html_name,
                    str(option["value"]),
                    mark_safe(attrs),
                    option["attrs"].get("id", ""),
                    str(option["label"]),
                    mark_safe(_errors(field)) if last else "",
                )
            )
    return (
        f'<div id="div_{field.auto_id}" class="mb-3{css}">{opening}<div>{"".join(items)}</div>'
        f"{_help(field)}{closing}</div>"
    )


def _widget(field, classes: str) -> str:
    """The widget as Django renders it, with the classes crispy adds: the widget's own name in lower case (kept
    once) and the Bootstrap ones."""
    widget = field.field.widget
    name = widget.__class__.__name__.lower()
    current = widget.attrs.get("class", "")
    if not current:
        current = name
    elif name not in current:
        current = f"{current} {name}"
    words = current.split()
    for word in classes.split():
        if word not in words:
            words.append(word)
    widget.attrs["class"] = " ".join(words)
    return str(field)


def _errors(field) -> str:
    if not field.errors:
        return ""
    items = "".join(
        format_html('<p id="error_{}_{}"><strong>{}</strong></p>', n, field.auto_id, error)
        for n, error in enumerate(field.errors, start=1)
    )
    return f'<div id="{field.errors.field_id}_error" class="invalid-feedback">{items}</div>'


def _help(field) -> str:
    if not field.help_text:
        return ""
    ident = f'id="{field.auto_id}_helptext" ' if field.auto_id else ""
    # Help text is the form's own (trusted) markup, as crispy shows it.
    return f'<div {ident}class="form-text">{field.help_text}</div>'


def _non_field_errors(form) -> str:
    errors = form.non_field_errors()
    if not errors:
        return ""
    items = "".join(format_html("<li>{}</li>", error) for error in errors)
    return f'<div class="alert alert-block alert-danger"><ul class="m-0">{items}</ul></div>'
