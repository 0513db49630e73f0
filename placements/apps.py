from django.apps import AppConfig


class PlacementsConfig(AppConfig):
    name = "placements"

    def ready(self):
        # The providers app counts pupils for the registration rule (and finds the schools with pupils at a
        # provider) from every source that registers one; placements are that source.
        from placements.selectors import registration_fact_source
        from providers.selectors import register_fact_source

        register_fact_source(registration_fact_source)

        # What the provider needs to know, on the placement page.
        from placements.panels import register_placement_panel
        from placements.safeguarding.panels import placement_brief_panel

        register_placement_panel(placement_brief_panel)
