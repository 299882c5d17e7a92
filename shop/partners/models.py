"""Partner apps of the GraphQL API, and the tokens they authenticate with.

A token is shown once when it is created; only its SHA-256 is stored, so
neither the database nor the admin can give it back.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    LISTINGS = "listings", _("listings: own products, stock and prices")
    ORDERS = "orders", _("orders: place and read own orders")
    FULFILMENT = "fulfilment", _("fulfilment: shipments of own lines")
    IMPACT = "impact", _("impact: totals by village and county")
    IMPACT_HOUSEHOLDS = "impact:households", _("impact:households: per household")


def validate_scopes(value) -> None:
    """Raise ValidationError unless value is a list of distinct scopes."""
    # Codes other than "invalid", which JSONField swaps for its own message.
    if not isinstance(value, list):
        raise ValidationError(_("Scopes must be a list."), code="not_a_list")
    unknown = [scope for scope in value if scope not in Scope.values]
    if unknown:
        raise ValidationError(
            _("Unknown scopes: %(scopes)s."),
            code="unknown_scope",
            params={"scopes": ", ".join(map(str, unknown))},
        )
    if len(set(value)) != len(value):
        raise ValidationError(_("A scope is listed twice."), code="repeated_scope")


class PartnerApp(models.Model):
    class OrganisationKind(models.TextChoices):
        PLATFORM = "platform", _("platform")
        COOPERATIVE = "cooperative", _("cooperative")
        ENTERPRISE = "enterprise", _("enterprise")

    name = models.CharField(_("name"), max_length=128)
    organisation_kind = models.CharField(
        _("organisation kind"), max_length=16, choices=OrganisationKind.choices
    )
    producer = models.ForeignKey(
        "partner.Partner",
        verbose_name=_("producer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="api_apps",
        help_text=_("The producer a cooperative's app acts for."),
    )
    scopes = models.JSONField(
        _("scopes"), default=list, blank=True, validators=[validate_scopes]
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("partner app")
        verbose_name_plural = _("partner apps")
        ordering = ("name", "pk")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        is_cooperative = self.organisation_kind == self.OrganisationKind.COOPERATIVE
        if is_cooperative and self.producer_id is None:
            raise ValidationError(
                {"producer": _("A cooperative's app acts for a producer.")}
            )
        if not is_cooperative and self.producer_id is not None:
            raise ValidationError(
                {"producer": _("Only a cooperative's app acts for a producer.")}
            )

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class AppToken(models.Model):
    app = models.ForeignKey(
        PartnerApp,
        verbose_name=_("app"),
        on_delete=models.CASCADE,
        related_name="tokens",
    )
    name = models.CharField(_("name"), max_length=128)
    token_hash = models.CharField(
        _("token hash"), max_length=64, unique=True, editable=False
    )
    token_prefix = models.CharField(_("token prefix"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("app token")
        verbose_name_plural = _("app tokens")
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"{self.name} ({self.token_prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
