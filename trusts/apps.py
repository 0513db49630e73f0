from django.apps import AppConfig


class TrustsConfig(AppConfig):
    name = "trusts"
    verbose_name = "Trusts and schools"

    def ready(self):
        from trusts import calendar_cache, membership_cache

        membership_cache.connect_signals()
        calendar_cache.connect_signals()
