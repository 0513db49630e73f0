from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate, pre_migrate


class ProjectConfig(AppConfig):
    """The project itself as an app: it wires what spans every app (the row-level security policies)."""

    name = "apcommission"
    label = "apcommission"
    verbose_name = "AP Commission"

    def ready(self):
        from apcommission import checks  # noqa: F401 - registers the database checks
        from trusts import rls

        # Sent once per migrate, after every app's migrations: the policies cover the tables of every app.
        trusts_app = apps.get_app_config("trusts")
        pre_migrate.connect(rls.migration_started, sender=trusts_app, dispatch_uid="rls-pre-migrate")
        post_migrate.connect(rls.migration_finished, sender=trusts_app, dispatch_uid="rls-post-migrate")
