"""Create partner apps and their tokens, revoke tokens."""

import hashlib
import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from catalog.partner.models import Partner
from shop.partners.models import AppToken, PartnerApp

TOKEN_PREFIX = "fpm_"  # noqa: S105 -- marks our tokens, not a secret


def hash_token(plain: str) -> str:
    """Return the SHA-256 hex digest stored in place of a plain token."""
    return hashlib.sha256(plain.encode()).hexdigest()


def app_create(
    *,
    name: str,
    organisation_kind: str,
    scopes: list[str],
    producer: Partner | None = None,
) -> PartnerApp:
    """Create an active partner app.

    Raise ValidationError for unknown scopes, or a producer given to any
    but a cooperative (which needs one).
    """
    app = PartnerApp(
        name=name,
        organisation_kind=organisation_kind,
        scopes=list(scopes),
        producer=producer,
    )
    app.full_clean()
    app.save()
    return app


@transaction.atomic
def app_token_create(*, app: PartnerApp, name: str) -> tuple[AppToken, str]:
    """Create a token for app; return its row and the plain token.

    The plain token exists only in the return value: the row keeps its hash
    and first eight characters.
    """
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = AppToken.objects.create(
        app=app, name=name, token_hash=hash_token(plain), token_prefix=plain[:8]
    )
    return token, plain


def app_token_revoke(*, token: AppToken, now: datetime | None = None) -> AppToken:
    """Revoke token from now on; a token revoked before stays as it was."""
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
