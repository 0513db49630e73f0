"""The follow-up keeps its session's school, so that a school's open follow-ups are found by one index (the
school dashboard counted them through the session, about 20 ms on a large trust)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def school_from_session(apps, schema_editor):
    ExpectedSession = apps.get_model("attendance", "ExpectedSession")
    for name in ("AbsenceFollowUp", "HistoricalAbsenceFollowUp"):
        model = apps.get_model("attendance", name)
        model.objects.filter(school__isnull=True).update(
            school_id=models.Subquery(
                ExpectedSession.objects.filter(pk=models.OuterRef("expected_session_id")).values("school_id")[
                    :1
                ]
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0007_mark_session_status"),
        ("trusts", "0012_historicaltrustpolicy_access_log_retention_months_and_more"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="absencefollowup",
            name="school",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="trusts.school"
            ),
        ),
        migrations.AddField(
            model_name="historicalabsencefollowup",
            name="school",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="trusts.school",
            ),
        ),
        migrations.RunPython(school_from_session, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="absencefollowup",
            name="school",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="trusts.school"
            ),
        ),
        migrations.AddIndex(
            model_name="absencefollowup",
            index=models.Index(
                models.F("school"),
                models.OrderBy(models.F("vulnerable"), descending=True),
                models.F("opened_at"),
                models.F("id"),
                condition=models.Q(("closed_at__isnull", True)),
                name="followup_open_school_order",
            ),
        ),
    ]
