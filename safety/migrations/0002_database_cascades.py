from django.db import migrations

from wya.db import database_cascade


class Migration(migrations.Migration):
    dependencies = [("safety", "0001_initial")]

    operations = [
        database_cascade("blocks", "blocker_id", "auth_users"),
        database_cascade("blocks", "blocked_id", "auth_users"),
    ]
