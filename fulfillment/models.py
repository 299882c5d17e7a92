"""The attribution ledger: who each fen of each order line benefits.

Entries are append-only. Nothing in the code updates or deletes one; the
model and its queryset refuse both so that a slip cannot rewrite history.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or delete an attribution entry."""


class AttributionEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("attribution entries are never updated")

    def delete(self):
        raise AppendOnlyError("attribution entries are never deleted")

    def counted(self):
        return self.filter(is_counted=True)


class AttributionEntry(models.Model):
    class Rule(models.TextChoices):
        DIRECT = "direct", _("one household directly")
        LINKS = "links", _("benefit links by weight")

    class NotCountedReason(models.TextChoices):
        COUNTED = "", _("counted")
        UNCERTIFIED = "uncertified", _("product has no certificate")
        CERTIFICATE_NOT_VALID = (
            "certificate_not_valid",
            _("certificate not valid on the order date"),
        )
        HOUSEHOLD_INELIGIBLE = (
            "household_ineligible",
            _("household not eligible on the order date"),
        )
        CERTIFICATE_AND_HOUSEHOLD = (
            "certificate_and_household",
            _("certificate not valid and household not eligible"),
        )

    order = models.ForeignKey(
        "order.Order", on_delete=models.PROTECT, related_name="attribution_entries"
    )
    line = models.ForeignKey(
        "order.Line", on_delete=models.PROTECT, related_name="attribution_entries"
    )
    household = models.ForeignKey(
        "catalog.Household",
        on_delete=models.PROTECT,
        related_name="attribution_entries",
    )
    amount = models.DecimalField(
        _("amount attributed"), max_digits=12, decimal_places=2
    )
    weight = models.DecimalField(_("weight"), max_digits=10, decimal_places=3)
    rule = models.CharField(_("rule"), max_length=8, choices=Rule.choices)

    # Snapshots taken when the order is placed; later changes to the
    # registry, links or certificates never reach back into them.
    registry_number = models.CharField(_("registry number"), max_length=32)
    village_code = models.CharField(_("village code"), max_length=12)
    county_code = models.CharField(_("county code"), max_length=6)
    producer = models.ForeignKey(
        "partner.Partner",
        on_delete=models.PROTECT,
        related_name="attribution_entries",
    )
    producer_name = models.CharField(_("producer"), max_length=128)
    link_type = models.CharField(_("benefit link type"), max_length=16, blank=True)
    certificate_id_snapshot = models.BigIntegerField(_("certificate"), null=True)
    certificate_number = models.CharField(
        _("certificate document number"), max_length=64, blank=True
    )
    certificate_valid_from = models.DateField(null=True)
    certificate_valid_until = models.DateField(null=True)

    is_counted = models.BooleanField(_("counted"))
    not_counted_reason = models.CharField(
        _("why not counted"),
        max_length=32,
        choices=NotCountedReason.choices,
        blank=True,
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = AttributionEntryQuerySet.as_manager()

    class Meta:
        ordering = ["order", "line", "registry_number"]
        verbose_name = _("attribution entry")
        verbose_name_plural = _("attribution entries")
        indexes = [
            models.Index(fields=["county_code", "is_counted"]),
            models.Index(fields=["village_code", "is_counted"]),
        ]

    def __str__(self) -> str:
        return f"{self.order.number}/{self.line_id} → {self.registry_number}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AppendOnlyError("attribution entries are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("attribution entries are never deleted")
