from django.apps import AppConfig


class TrustsConfig(AppConfig):
    name = "trusts"
    verbose_name = "Trusts and schools"
