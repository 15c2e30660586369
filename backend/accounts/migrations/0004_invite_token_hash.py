"""Invites keep only the SHA-256 of their token: existing tokens are hashed, then dropped."""
import hashlib

from django.db import migrations, models


def hash_existing_tokens(apps, schema_editor):
    Invite = apps.get_model("accounts", "Invite")
    for invite in Invite.objects.all().only("pk", "token"):
        Invite.objects.filter(pk=invite.pk).update(token_hash=hashlib.sha256(invite.token.encode()).hexdigest())


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_revoked_token_family")]

    operations = [
        migrations.AddField(model_name="invite", name="token_hash", field=models.CharField(max_length=64, null=True)),
        migrations.RunPython(hash_existing_tokens, migrations.RunPython.noop),
        migrations.RemoveField(model_name="invite", name="token"),
        migrations.AlterField(model_name="invite", name="token_hash", field=models.CharField(max_length=64, unique=True)),
    ]
