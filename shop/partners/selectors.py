"""Find the partner app behind a plain token."""

from datetime import timedelta

from django.utils import timezone

from shop.partners.models import AppToken, PartnerApp
from shop.partners.services import hash_token

# A busy app would otherwise write its token's row on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def app_for_token(plain: str) -> PartnerApp | None:
    """Return the active app whose live token is plain, else None.

    Looking the token up by its hash keeps the comparison independent of
    how much of a guess matches. Record the use at most once a minute.
    """
    token = (
        AppToken.objects.select_related("app")
        .filter(token_hash=hash_token(plain), revoked_at__isnull=True)
        .filter(app__is_active=True)
        .first()
    )
    if token is None:
        return None

    now = timezone.now()
    last_used = token.last_used_at
    if last_used is None or now - last_used >= LAST_USED_RESOLUTION:
        # Filtered on the old value so concurrent requests write once.
        AppToken.objects.filter(pk=token.pk, last_used_at=last_used).update(
            last_used_at=now
        )
    return token.app
