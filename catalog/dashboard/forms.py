from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import ImportBatch

# An export of a whole province holds a few million rows: about 500 MB.
MAX_UPLOAD_BYTES = 1024 * 1024 * 1024


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Registry export"),
        help_text=_("XLSX, or CSV in UTF-8, UTF-8 with BOM or GBK."),
    )
    policy = forms.ChoiceField(
        label=_("When rows are rejected"),
        choices=ImportBatch.Policy.choices,
        initial=ImportBatch.Policy.APPLY_VALID,
        widget=forms.RadioSelect,
    )
    scope = forms.ChoiceField(
        label=_("The file lists"),
        choices=ImportBatch.Scope.choices,
        initial=ImportBatch.Scope.WHOLE,
        widget=forms.RadioSelect,
    )
    force = forms.BooleanField(
        label=_("Read it again even if this file was imported before"),
        required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 GB."))
        return upload
