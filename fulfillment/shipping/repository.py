"""Shipping methods offered at checkout."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from oscar.apps.shipping import methods, repository

FREE_SHIPPING_THRESHOLD = Decimal("99.00")


class StandardExpress(methods.FixedPrice):
    code = "standard-express"
    name = _("Standard express")
    charge_excl_tax = Decimal("10.00")
    charge_incl_tax = Decimal("10.00")


class FreeExpress(methods.Free):
    code = "free-express"
    name = _("Free express (orders of ¥99.00 or more)")


class Repository(repository.Repository):
    def get_available_shipping_methods(self, basket, user=None, **kwargs):
        if basket.total_incl_tax >= FREE_SHIPPING_THRESHOLD:
            return [FreeExpress()]
        return [StandardExpress()]
