"""What a webhook says: an envelope around order or stock data.

Payloads carry no personal data: no buyer, no address, no phone, no
registry number. Amounts are strings with two decimals, so that no
receiver reads them as floats. Products are named by the GraphQL API's
global ids, which partners already use.
"""

import datetime
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

from graphql_relay import to_global_id

from fulfillment.lines import MACHINE_NAMES, PENDING

# Part of the contract with partners, whatever the server's TIME_ZONE.
SHANGHAI = ZoneInfo("Asia/Shanghai")
CENT = Decimal("0.01")


def timestamp(moment: datetime.datetime) -> str:
    """Return moment as ISO 8601 in Shanghai time, to the millisecond."""
    return moment.astimezone(SHANGHAI).isoformat(timespec="milliseconds")


def money(amount: Decimal | None) -> str:
    """Return amount with exactly two decimals, e.g. "128.00"."""
    return str((amount or Decimal("0")).quantize(CENT))


def status_name(status: str) -> str:
    """Return a line or order status as the partner API names it."""
    return MACHINE_NAMES.get(status, MACHINE_NAMES[PENDING])


def product_id(pk: int | None) -> str | None:
    return None if pk is None else to_global_id("Product", pk)


def envelope(
    *, event: str, event_id, occurred_at: datetime.datetime, data: dict
) -> dict:
    return {
        "event": event,
        "event_id": str(event_id),
        "occurred_at": timestamp(occurred_at),
        "data": data,
    }


def body(payload: dict) -> bytes:
    """Return the bytes sent and signed for payload.

    Keys are sorted: PostgreSQL's jsonb does not keep their order, and the
    same delivery should send the same bytes every time.
    """
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    return text.encode()


def order_data(order, lines, *, is_whole_order: bool, shipment=None) -> dict:
    """Return the data of an order event showing only lines.

    The app that placed the order sees every line and the order's totals;
    a cooperative sees its own lines and what they add up to, not what
    other producers sold.
    """
    data = {
        "order_number": order.number,
        "status": status_name(order.status),
        "payment_status": order.payment_status.upper(),
        "currency": order.currency,
        "lines_total": money(sum(line.line_price_incl_tax for line in lines)),
        "lines": [_line(line) for line in lines],
    }
    if is_whole_order:
        data["shipping_total"] = money(order.shipping_incl_tax)
        data["order_total"] = money(order.total_incl_tax)
    if shipment is not None:
        data["shipment"] = _shipment(shipment, lines)
    return data


def stock_data(stockrecord, *, threshold: int) -> dict:
    return {
        "product_id": product_id(stockrecord.product_id),
        "partner_sku": stockrecord.partner_sku,
        "num_in_stock": stockrecord.num_in_stock,
        "num_available": stockrecord.net_stock_level,
        "threshold": threshold,
    }


def _line(line) -> dict:
    return {
        "product_id": product_id(line.product_id),
        "title": line.title,
        "quantity": line.quantity,
        "line_total": money(line.line_price_incl_tax),
        "status": status_name(line.status),
    }


def _shipment(shipment, lines) -> dict:
    shown = {line.pk: line for line in lines}
    return {
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "shipped_at": timestamp(shipment.created_at),
        "lines": [
            {
                "product_id": product_id(shown[part.line_id].product_id),
                "quantity": part.quantity,
            }
            for part in shipment.lines.order_by("line_id")
            if part.line_id in shown
        ],
    }
