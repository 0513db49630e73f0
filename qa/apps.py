from django.apps import AppConfig


class QaConfig(AppConfig):
    name = "qa"

    def ready(self):
        from django.db import transaction
        from django.db.models.signals import post_delete, post_save

        from qa import selectors
        from qa.models import Visit

        def visit_changed(sender, instance, **kwargs):
            # The trust's schedule of visits due is kept as a snapshot (qa.selectors.schedule_snapshot): a visit
            # planned, recorded, corrected or removed is on it for the next reader.
            transaction.on_commit(lambda: selectors.forget_schedule(instance.trust_id))

        post_save.connect(visit_changed, sender=Visit, weak=False, dispatch_uid="qa_schedule_visit_saved")
        post_delete.connect(visit_changed, sender=Visit, weak=False, dispatch_uid="qa_schedule_visit_deleted")
