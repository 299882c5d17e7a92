"""Checkout forms laid out the way Chinese addresses are written.

One field for the recipient's full name (family name first, as written),
then province, city and street; no separate given and family names. The
payment method is chosen from what the shop offers at that moment.
"""

from django import forms as django_forms
from django.utils.translation import gettext_lazy as _
from oscar.apps.checkout import forms


class ShippingAddressForm(forms.ShippingAddressForm):
    class Meta(forms.ShippingAddressForm.Meta):
        fields = [
            "first_name",
            "phone_number",
            "state",
            "line4",
            "line1",
            "line2",
            "postcode",
            "country",
            "notes",
        ]
        labels = {
            "first_name": _("Recipient's full name"),
            "state": _("Province"),
            "line4": _("City or county"),
            "line1": _("Street address"),
            "line2": _("Building, room (optional)"),
        }


class PaymentMethodForm(django_forms.Form):
    """The buyer's choice among the payment methods offered now."""

    method = django_forms.ChoiceField(
        label=_("How will you pay?"), widget=django_forms.RadioSelect
    )

    def __init__(self, *args, choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = choices
