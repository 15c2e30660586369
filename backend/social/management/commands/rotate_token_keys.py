"""Re-encrypt every stored platform secret with the newest FIELD_ENCRYPTION_KEYS key.

Rotating keys: prepend a new key to FIELD_ENCRYPTION_KEYS (old ones still decrypt), deploy, run
this command, then drop the old key. Rows are rewritten in batches; each row's decrypted value is
written back unchanged, so a row changed meanwhile is at worst re-encrypted again.
"""
from django.core.management.base import BaseCommand
from django.db import transaction

from backend.social.models import OAuthState, SocialAccount

ENCRYPTED = {SocialAccount: ["access_token", "refresh_token"], OAuthState: ["code_verifier"]}
BATCH = 500


class Command(BaseCommand):
    help = "Re-encrypt stored platform tokens with the newest FIELD_ENCRYPTION_KEYS key."

    def handle(self, *args, **options) -> None:
        for model, fields in ENCRYPTED.items():
            rewritten = 0
            ids = list(model.objects.order_by("pk").values_list("pk", flat=True))
            for start in range(0, len(ids), BATCH):
                with transaction.atomic():
                    for row in model.objects.select_for_update().filter(pk__in=ids[start:start + BATCH]):
                        # Values were decrypted with whichever key fits; saving encrypts with the newest.
                        model.objects.filter(pk=row.pk).update(**{name: getattr(row, name) for name in fields})
                        rewritten += 1
            self.stdout.write(f"{model.__name__}: {rewritten} row(s) re-encrypted.")
