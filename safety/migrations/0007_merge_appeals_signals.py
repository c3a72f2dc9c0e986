# The two issue-20 tables (appeals, safety_signals) were added on parallel branches, both as
# 0006; this merge node joins them (no operations).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("safety", "0006_appeals"),
        ("safety", "0006_safety_signals"),
    ]

    operations = []
