"""Post-level data leaves the social app (it must not know posts):

- PostMetrics moves to the scheduling app: only the migration state changes here; the table
  `social_postmetrics` and its rows stay (scheduling's 0004 takes the model over with db_table).
- SandboxPublication.post stops being a foreign key to scheduling.ScheduledPost: the column
  `post_id` and its values stay, now a plain reference (the id the publisher sent).
"""
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [
        ("social", "0006_periodic_metrics"),
        ("scheduling", "0003_periodic_tasks"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="PostMetrics")]),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterField(
                    model_name="sandboxpublication",
                    name="post",
                    field=models.ForeignKey(
                        db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL,
                        related_name="sandbox_publications", to="scheduling.scheduledpost",
                    ),
                ),
            ],
            state_operations=[
                migrations.RemoveField(model_name="sandboxpublication", name="post"),
                migrations.AddField(
                    model_name="sandboxpublication",
                    name="post",
                    field=models.BigIntegerField(blank=True, db_column="post_id", db_index=True, null=True),
                ),
            ],
        ),
    ]
