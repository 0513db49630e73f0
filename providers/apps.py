from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "providers"
    verbose_name = "Providers and vetting"

    def ready(self):
        from django.core import checks

        from providers.checks import registration_rule_has_a_placement_source

        checks.register(registration_rule_has_a_placement_source)
