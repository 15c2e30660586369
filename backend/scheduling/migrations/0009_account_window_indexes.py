# An account's posting window (scheduling/limits.py) counted from the window's rows only.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('scheduling', '0008_planning'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='scheduledpost',
            index=models.Index(condition=models.Q(('status', 'posted')), fields=['social_account', 'posted_at'], name='post_account_posted_idx'),
        ),
        migrations.AddIndex(
            model_name='scheduledpost',
            index=models.Index(condition=models.Q(('status', 'publishing')), fields=['social_account', 'claimed_at'], name='post_account_claimed_idx'),
        ),
    ]
