"""System checks of the providers app (``manage.py check``, and every start-up)."""

from django.core import checks


def registration_rule_has_a_placement_source(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """The registration rule counts the pupils placed at a provider from the placement sources registered with
    ``providers.selectors.register_fact_source`` (the placements app registers one when it is ready). With
    none it would count nobody and call every provider within the rule, so that is an error, not a quiet 0."""
    from providers.selectors import fact_sources

    if fact_sources():
        return []
    return [
        checks.Error(
            "The registration rule has no placement source, so it would count no pupils at any provider.",
            hint=(
                "Install the app that holds placements (placements) so that its AppConfig.ready() calls "
                "providers.selectors.register_fact_source(...)."
            ),
            id="providers.E001",
        )
    ]
