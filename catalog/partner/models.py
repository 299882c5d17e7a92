"""Producers are Oscar partners with a kind, a credit code and a county."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from oscar.apps.partner.abstract_models import AbstractPartner

from catalog.registry.codes import validate_credit_code
from catalog.slugs import pinyin_slugify


class Partner(AbstractPartner):
    class Kind(models.TextChoices):
        COOPERATIVE = "cooperative", _("farmers' cooperative")
        ENTERPRISE = "enterprise", _("enterprise")
        FAMILY_FARM = "family_farm", _("family farm")
        VILLAGE_COLLECTIVE = "collective", _("village collective")

    slug = models.SlugField(
        _("slug"), max_length=128, unique=True, null=True, blank=True
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=Kind.choices, default=Kind.COOPERATIVE
    )
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_credit_code],
    )
    county = models.ForeignKey(
        "catalog.County",
        verbose_name=_("registered county"),
        on_delete=models.PROTECT,
        related_name="producers",
        null=True,
        blank=True,
    )
    story = models.TextField(_("story"), blank=True)

    def save(self, *args, **kwargs) -> None:
        if not self.slug and self.name:
            self.slug = pinyin_slugify(self.name)[:120] or None
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("catalog:producer-detail", kwargs={"slug": self.slug})


from oscar.apps.partner.models import *  # noqa: E402, F403
