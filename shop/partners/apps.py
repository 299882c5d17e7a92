from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnerAppsConfig(AppConfig):
    name = "shop.partners"
    # "partner" is Oscar's (producers); these are the API's client apps.
    label = "partner_apps"
    verbose_name = _("Partner API apps")
    default_auto_field = "django.db.models.BigAutoField"
