"""The attribution ledger: who each fen of each order line benefits.

Entries are append-only. Nothing in the code updates or deletes one; the
model and its queryset refuse both so that a slip cannot rewrite history.
Each entry is also chained to the one before it by a SHA-256 hash
(fulfillment.ledger), so that a change made behind the ORM's back is found.
"""

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


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
    class Kind(models.TextChoices):
        SALE = "sale", _("sale")
        REVERSAL = "reversal", _("reversal")

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
        "order.Order",
        on_delete=models.PROTECT,
        related_name="attribution_entries",
        verbose_name=_("order"),
    )
    line = models.ForeignKey(
        "order.Line",
        on_delete=models.PROTECT,
        related_name="attribution_entries",
        verbose_name=_("line"),
    )
    household = models.ForeignKey(
        "catalog.Household",
        verbose_name=_("household"),
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
        verbose_name=_("producer"),
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
    # A default rather than auto_now_add: the ledger sets the time itself
    # before hashing it, and auto_now_add would overwrite it on save.
    created_at = models.DateTimeField(
        _("recorded at"), default=timezone.now, editable=False
    )

    kind = models.CharField(
        _("kind"), max_length=8, choices=Kind.choices, default=Kind.SALE
    )
    reverses = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversals",
        verbose_name=_("reverses"),
    )
    reversal_reason = models.CharField(_("why reversed"), max_length=128, blank=True)

    # The hash chain, set by fulfillment.ledger.append_entries only.
    sequence = models.PositiveBigIntegerField(
        _("sequence"), unique=True, editable=False
    )
    previous_hash = models.CharField(
        _("previous entry's hash"), max_length=64, editable=False
    )
    entry_hash = models.CharField(_("entry hash"), max_length=64, editable=False)

    objects = AttributionEntryQuerySet.as_manager()

    class Meta:
        ordering = ["order", "line", "registry_number"]
        verbose_name = _("attribution entry")
        verbose_name_plural = _("attribution entries")
        indexes = [
            models.Index(fields=["county_code", "is_counted"]),
            models.Index(fields=["village_code", "is_counted"]),
        ]
        constraints = [
            # A sale never reverses anything; a reversal always names its
            # sale and takes money away.
            models.CheckConstraint(
                condition=(
                    Q(kind="sale", reverses__isnull=True)
                    | Q(kind="reversal", reverses__isnull=False, amount__lt=0)
                ),
                name="attribution_kind_sign_reverses",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order.number}/{self.line_id} → {self.registry_number}"

    def save(self, *args, **kwargs) -> None:
        """Append a new entry to the hash chain (fulfillment.ledger).

        Every insert goes through the chain, whoever calls save() or
        create(). Raise AppendOnlyError for an entry that is already stored.
        """
        if self.pk is not None:
            raise AppendOnlyError("attribution entries are never updated")
        from fulfillment.ledger import append_entries

        with transaction.atomic():
            append_entries([self])

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("attribution entries are never deleted")


class LedgerHead(models.Model):
    """The last link of the attribution chain: one row, locked to append.

    Appending takes a row lock on it (select_for_update) inside the order's
    transaction, so that concurrent appends queue up instead of forking.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("ledger head")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="ledger_head_single_row"),
        ]

    def __str__(self) -> str:
        return f"ledger head {self.last_sequence}"


class LineAdjustment(models.Model):
    """Units taken off an order line: cancelled before shipping or refunded.

    Append-only like the ledger: the sum of a line's adjustments is how many
    of its units are gone and how much of its price was given back.
    """

    class Kind(models.TextChoices):
        CANCELLATION = "cancellation", _("cancellation")
        REFUND = "refund", _("refund")

    line = models.ForeignKey(
        "order.Line",
        on_delete=models.PROTECT,
        related_name="adjustments",
        verbose_name=_("line"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    quantity = models.PositiveIntegerField(_("quantity"))
    amount = models.DecimalField(_("amount refunded"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=255)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["line", "pk"]
        verbose_name = _("line adjustment")
        verbose_name_plural = _("line adjustments")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="line_adjustment_quantity_gte_1"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="line_adjustment_amount_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity} × line {self.line_id}"


class PlacementIntent(models.Model):
    """One idempotency key of an order placed outside the browser.

    The same key with the same content returns the order placed first; the
    same key with different content is refused. Keys are the caller's own:
    each partner app has its own, and programs without an app share one
    space. The unique constraints make two concurrent requests with one key
    produce one order.
    """

    app = models.ForeignKey(
        "partner_apps.PartnerApp",
        verbose_name=_("partner app"),
        on_delete=models.PROTECT,
        related_name="placement_intents",
        null=True,
        blank=True,
    )
    key = models.CharField(_("idempotency key"), max_length=64)
    content_digest = models.CharField(max_length=64)
    order = models.OneToOneField(
        "order.Order",
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        related_name="placement_intent",
        null=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("placement intent")
        verbose_name_plural = _("placement intents")
        constraints = [
            models.UniqueConstraint(
                fields=["app", "key"], name="placement_key_unique_per_app"
            ),
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(app__isnull=True),
                name="placement_key_unique_without_app",
            ),
        ]

    def __str__(self) -> str:
        return self.key


class Shipment(models.Model):
    """Units of order lines that one producer sent, and how to trace them.

    A producer ships its own lines only, and may ship a line in several
    parts; a line becomes shipped when all its units that were not cancelled
    have left.
    """

    order = models.ForeignKey(
        "order.Order",
        on_delete=models.PROTECT,
        related_name="shipments",
        verbose_name=_("order"),
    )
    producer = models.ForeignKey(
        "partner.Partner",
        on_delete=models.PROTECT,
        related_name="shipments",
        verbose_name=_("producer"),
    )
    carrier = models.CharField(_("carrier"), max_length=64)
    tracking_number = models.CharField(_("tracking number"), max_length=64)
    created_at = models.DateTimeField(_("shipped at"), auto_now_add=True)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ("created_at", "pk")
        # A tracking number names one parcel of one producer.
        constraints = [
            models.UniqueConstraint(
                fields=("producer", "carrier", "tracking_number"),
                name="shipment_one_parcel_per_tracking_number",
            )
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}"


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(
        Shipment,
        on_delete=models.CASCADE,
        related_name="lines",
        verbose_name=_("shipment"),
    )
    line = models.ForeignKey(
        "order.Line",
        on_delete=models.PROTECT,
        related_name="shipment_lines",
        verbose_name=_("line"),
    )
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("shipment line")
        verbose_name_plural = _("shipment lines")
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "line"], name="shipment_line_once"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="shipment_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × line {self.line_id}"
