# Removes the two rate fields once their values moved to rate and rate_unit (0010).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('placements', '0012_costs_units_incident_categories'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='historicalplacement',
            name='cost_per_session',
        ),
        migrations.RemoveField(
            model_name='historicalplacement',
            name='cost_per_week',
        ),
        migrations.RemoveField(
            model_name='placement',
            name='cost_per_session',
        ),
        migrations.RemoveField(
            model_name='placement',
            name='cost_per_week',
        ),
        migrations.AddConstraint(
            model_name='placement',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('rate__isnull', True), ('rate_unit', '')), models.Q(('rate__isnull', False), ('rate__gte', 0), models.Q(('rate_unit', ''), _negated=True)), _connector='OR'), name='placement_rate_has_unit'),
        ),
        migrations.AddConstraint(
            model_name='placement',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('transport_cost__isnull', True), ('transport_cost_unit', '')), models.Q(('transport_cost__isnull', False), ('transport_cost__gte', 0), models.Q(('transport_cost_unit', ''), _negated=True)), _connector='OR'), name='placement_transport_cost_has_unit'),
        ),
    ]
