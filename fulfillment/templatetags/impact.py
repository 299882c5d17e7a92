"""Template tags for an order's impact on registry households."""

from django import template

from catalog.models import BenefitLink
from fulfillment import selectors

register = template.Library()


@register.simple_tag
def order_impact(order) -> dict:
    """Return the ¥ attributed, households and villages of an order."""
    return selectors.order_impact(order=order)


@register.simple_tag
def order_ledger(order) -> dict:
    """Return an order's attribution entries and how they add up."""
    entries = list(selectors.order_entries(order=order))
    total = sum((e.amount for e in entries), selectors.ZERO)
    refunded = selectors.order_refunded(order=order)
    goods = order.total_incl_tax - order.shipping_incl_tax - refunded
    return {
        "entries": entries,
        "total": total,
        "counted": sum((e.amount for e in entries if e.is_counted), selectors.ZERO),
        "refunded": refunded,
        "goods_total": goods,
        "balances": total == goods,
    }


@register.filter
def link_type_label(code: str) -> str:
    """Return the readable name of a benefit link type code."""
    return dict(BenefitLink.LinkType.choices).get(code, code)
