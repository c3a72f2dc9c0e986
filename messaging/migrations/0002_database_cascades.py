from django.db import migrations

from wya.db import database_cascade


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]

    operations = [database_cascade("presence", "user_id", "auth_users")]
