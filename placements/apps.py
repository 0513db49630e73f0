from django.apps import AppConfig


class PlacementsConfig(AppConfig):
    name = "placements"

    def ready(self):
        # The providers app counts pupils for the registration rule from every source that registers one;
        # placements are that source. Without the hook (older providers code) nothing is registered.
        try:
            from providers import selectors as provider_selectors
        except ImportError:
            return
        if hasattr(provider_selectors, "register_fact_source"):
            from placements.selectors import registration_facts

            provider_selectors.register_fact_source(registration_facts)
