"""The staff form that confirms a bank transfer."""

from django import forms
from django.utils.translation import gettext_lazy as _


class BankTransferConfirmForm(forms.Form):
    reference = forms.CharField(label=_("Transfer reference"), max_length=64)
    amount = forms.DecimalField(
        label=_("Amount received"), max_digits=12, decimal_places=2, min_value=0
    )
