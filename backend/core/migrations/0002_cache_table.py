"""The shared cache's table (CACHES falls back to the database when there is no Redis).

Created whatever CACHES says today, so switching from Redis to the database later needs no step.
"""
from django.db import migrations

CACHE_TABLE = "postloom_cache"


def create_cache_table(apps, schema_editor):
    from django.core.management.commands.createcachetable import Command

    command = Command()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, CACHE_TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
