"""Staff create partner apps and their tokens, and revoke tokens.

A new token is shown once, in a message after saving; the admin never shows
a token's hash and cannot show the token again.
"""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.partners import services
from shop.partners.models import AppToken, PartnerApp, Scope


class PartnerAppForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"),
        choices=Scope.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = PartnerApp
        fields = ("name", "organisation_kind", "producer", "scopes", "is_active")


@admin.register(PartnerApp)
class PartnerAppAdmin(admin.ModelAdmin):
    form = PartnerAppForm
    list_display = ("name", "organisation_kind", "producer", "is_active", "created_at")
    list_filter = ("organisation_kind", "is_active")
    search_fields = ("name",)
    autocomplete_fields = ("producer",)


class AppTokenAddForm(forms.ModelForm):
    class Meta:
        model = AppToken
        fields = ("app", "name")


@admin.register(AppToken)
class AppTokenAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "app",
        "token_prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("app",)
    search_fields = ("name", "token_prefix", "app__name")
    readonly_fields = (
        "app",
        "name",
        "token_prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    actions = ("revoke_tokens",)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = AppTokenAddForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_fields(self, request, obj=None):
        return ("app", "name") if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return
        token, plain = services.app_token_create(
            app=form.cleaned_data["app"], name=form.cleaned_data["name"]
        )
        # The admin goes on to log and redirect to this object.
        obj.pk = token.pk
        obj.__dict__.update(
            {
                f.attname: getattr(token, f.attname)
                for f in AppToken._meta.concrete_fields
            }
        )
        obj._state.adding = False
        messages.warning(
            request,
            _("Token for %(app)s: %(token)s — copy it now; it will not be shown again.")
            % {"app": token.app.name, "token": plain},
        )

    @admin.action(description=_("Revoke selected tokens"))
    def revoke_tokens(self, request, queryset):
        now = timezone.now()
        for token in queryset.filter(revoked_at__isnull=True):
            services.app_token_revoke(token=token, now=now)
        self.message_user(request, _("The selected tokens are revoked."))
