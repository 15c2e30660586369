"""PostMetrics joins the posts it reads (moved from the social app; the table keeps its name and rows)."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0003_periodic_tasks"),
        ("social", "0007_post_level_models_to_scheduling"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PostMetrics",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("checkpoint", models.CharField(blank=True, max_length=16)),
                        ("likes", models.BigIntegerField(blank=True, null=True)),
                        ("comments", models.BigIntegerField(blank=True, null=True)),
                        ("shares", models.BigIntegerField(blank=True, null=True)),
                        ("views", models.BigIntegerField(blank=True, null=True)),
                        ("reach", models.BigIntegerField(blank=True, null=True)),
                        ("impressions", models.BigIntegerField(blank=True, null=True)),
                        ("error_code", models.CharField(blank=True, max_length=64)),
                        ("error_message", models.TextField(blank=True)),
                        ("fetched_at", models.DateTimeField()),
                        (
                            "post",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="metrics_readings", to="scheduling.scheduledpost"
                            ),
                        ),
                    ],
                    options={
                        "db_table": "social_postmetrics",
                        "ordering": ["-fetched_at", "-id"],
                        "indexes": [models.Index(fields=["post", "-fetched_at"], name="post_metrics_latest_idx")],
                    },
                ),
            ],
        ),
    ]
