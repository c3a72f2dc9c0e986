from django.db import migrations

from wya.db import database_cascade


class Migration(migrations.Migration):
    dependencies = [("geo", "0001_initial")]

    operations = [database_cascade("locations", "user_id", "auth_users")]
