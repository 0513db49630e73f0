from django.core import checks
from django.core.management import call_command

from providers import selectors
from providers.checks import registration_rule_has_a_placement_source


def test_the_registration_rule_has_a_placement_source_when_placements_is_installed():
    assert selectors.fact_sources(), "placements registers its source when it is ready"
    assert registration_rule_has_a_placement_source() == []
    call_command("check")  # raises SystemCheckError on any error


def test_without_a_placement_source_the_check_is_an_error(monkeypatch):
    monkeypatch.setattr(selectors, "_FACT_SOURCES", [])
    problems = registration_rule_has_a_placement_source()
    assert [(p.level, p.id) for p in problems] == [(checks.ERROR, "providers.E001")]
    assert "no placement source" in problems[0].msg
    assert registration_rule_has_a_placement_source in checks.registry.registry.get_checks()
