"""The form the database search views read their query and sort from."""

from django import forms
from django.utils.translation import gettext_lazy as _
from oscar.apps.search.forms import SearchForm

from search.engine import SORTS


class DatabaseSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label=_("Search"))
    sort_by = forms.ChoiceField(
        label=_("Sort by"),
        choices=[
            (key, label) for key, label in SearchForm.SORT_BY_CHOICES if key in SORTS
        ],
        required=False,
    )

    def cleaned(self) -> tuple[str, str]:
        """Return (query, sort key); invalid input searches for everything."""
        if not self.is_valid():
            return "", ""
        return self.cleaned_data["q"].strip(), self.cleaned_data["sort_by"]
