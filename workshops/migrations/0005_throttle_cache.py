"""The database table of Django's cache, for when Redis is not configured (settings.CACHES).

The join throttle counts wrong codes there (workshops/throttle.py). A migration rather than a
`createcachetable` step, so that `migrate` is still the one command a deployment runs; the
table is made whatever the cache setting, so switching Redis off later needs nothing more.
"""

from django.core.management import call_command
from django.db import migrations

TABLE = "journeymap_cache"


def create(apps, schema_editor):
    call_command("createcachetable", TABLE, database=schema_editor.connection.alias, verbosity=0)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("workshops", "0004_removals")]

    operations = [migrations.RunPython(create, drop)]
