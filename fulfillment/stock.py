"""Stock allocation that never oversells.

Oscar's StockRecord.allocate adds to num_allocated without looking at what
is left, so buyers who passed the availability check at the same moment
are all let through. Here the check and the allocation are one conditional
UPDATE: the database applies it only while enough stock is left, and a
buyer who loses the race gets InsufficientStock and no allocation.
"""

import logging

from django.conf import settings
from django.db import connection
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from oscar.apps.order.exceptions import UnableToPlaceOrder
from oscar.core.loading import get_model

from fulfillment.signals import stock_low

logger = logging.getLogger(__name__)

StockRecord = get_model("partner", "StockRecord")


class InsufficientStock(UnableToPlaceOrder):
    """Not enough of a product is left for the quantity asked for."""

    def __init__(
        self,
        *,
        title: str,
        requested: int,
        available: int,
        product_id: int | None = None,
    ):
        self.title = title
        self.product_id = product_id
        self.requested = requested
        self.available = max(available, 0)
        super().__init__(
            _(
                "Only %(available)d of “%(title)s” left, and you asked for "
                "%(requested)d. Change the quantity in your basket and try again."
            )
            % {"available": self.available, "title": title, "requested": requested}
        )


class InvalidQuantity(UnableToPlaceOrder):
    """A quantity of zero or less."""


def _net(stockrecord_id: int) -> int:
    record = StockRecord.objects.get(pk=stockrecord_id)
    return record.net_stock_level


def allocate(*, stockrecord, quantity: int, title: str) -> None:
    """Allocate quantity of a stockrecord, or refuse without changing it.

    Raise InvalidQuantity for quantity below 1 and InsufficientStock when
    fewer than quantity remain unallocated.
    """
    if quantity < 1:
        raise InvalidQuantity(_("The quantity must be at least 1."))
    available = _allocate_if_enough(stockrecord.pk, quantity)
    if available is None:
        available = _net(stockrecord.pk)
        logger.warning(
            "allocation refused stockrecord=%s requested=%d available=%d",
            stockrecord.pk,
            quantity,
            available,
        )
        raise InsufficientStock(
            title=title,
            requested=quantity,
            available=available,
            product_id=stockrecord.product_id,
        )
    _signal_if_low(stockrecord, quantity, available)


def _allocate_if_enough(stockrecord_id: int, quantity: int) -> int | None:
    """Allocate in one statement; return the units left, None if refused.

    Django's update() cannot return the row it changed, and reading it
    back would cost a query per order line; RETURNING does both at once
    (PostgreSQL, and SQLite since 3.35).
    """
    quote = connection.ops.quote_name
    table = quote(StockRecord._meta.db_table)
    allocated = f"COALESCE({quote('num_allocated')}, 0)"
    in_stock = quote("num_in_stock")
    sql = (
        f"UPDATE {table} SET {quote('num_allocated')} = {allocated} + %s "  # noqa: S608
        f"WHERE {quote('id')} = %s AND {in_stock} >= {allocated} + %s "
        f"RETURNING {in_stock} - {quote('num_allocated')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [quantity, stockrecord_id, quantity])
        row = cursor.fetchone()
    return None if row is None else row[0]


def _signal_if_low(stockrecord, quantity: int, available: int) -> None:
    # The UPDATE above holds the row until commit, so no other allocation
    # comes between it and what it returned: what was there before is
    # exactly available plus quantity, and only the allocation that crosses
    # the threshold sends the signal.
    threshold = settings.WEBHOOK_STOCK_LOW_THRESHOLD
    if available <= threshold < available + quantity:
        stock_low.send(
            sender=StockRecord, stockrecord=stockrecord, num_available=available
        )


def release(*, stockrecord_id: int, quantity: int) -> None:
    """Give back quantity of an allocation (a cancelled or expired line).

    Raise ValueError when less than quantity is allocated: releasing twice
    is a bug and must not make stock appear from nowhere.
    """
    allocated = Coalesce(F("num_allocated"), 0)
    updated = StockRecord.objects.filter(
        pk=stockrecord_id, num_allocated__gte=quantity
    ).update(num_allocated=allocated - quantity)
    if updated != 1:
        raise ValueError(
            f"stockrecord {stockrecord_id} has less than {quantity} allocated"
        )
