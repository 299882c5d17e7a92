"""Products carry their producer, origin and the rule for who benefits."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from oscar.apps.catalogue.abstract_models import AbstractProduct


class Product(AbstractProduct):
    class BenefitRule(models.TextChoices):
        DIRECT = "direct", _("one household directly")
        LINKS = "links", _("the producer's benefit links by weight")

    producer = models.ForeignKey(
        "partner.Partner",
        verbose_name=_("producer"),
        on_delete=models.PROTECT,
        related_name="products",
        null=True,
        blank=True,
    )
    origin_county = models.ForeignKey(
        "catalog.County",
        verbose_name=_("origin county"),
        on_delete=models.PROTECT,
        related_name="products",
        null=True,
        blank=True,
    )
    origin_village = models.ForeignKey(
        "catalog.Village",
        verbose_name=_("origin village"),
        on_delete=models.PROTECT,
        related_name="products",
        null=True,
        blank=True,
    )
    benefit_rule = models.CharField(
        _("who benefits"),
        max_length=8,
        choices=BenefitRule.choices,
        default=BenefitRule.LINKS,
    )
    beneficiary = models.ForeignKey(
        "catalog.Household",
        verbose_name=_("beneficiary household"),
        help_text=_("Only for the direct rule."),
        on_delete=models.PROTECT,
        related_name="direct_products",
        null=True,
        blank=True,
    )

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.benefit_rule == self.BenefitRule.DIRECT and not self.beneficiary_id:
            errors["beneficiary"] = _("The direct rule needs a beneficiary household.")
        if self.benefit_rule == self.BenefitRule.LINKS and self.beneficiary_id:
            errors["beneficiary"] = _("Only the direct rule names a household.")
        village_county = self.origin_village and self.origin_village.county_code
        if (
            village_county
            and self.origin_county_id
            and village_county != self.origin_county.code
        ):
            errors["origin_village"] = _(
                "The origin village is not in the origin county."
            )
        if errors:
            raise ValidationError(errors)


from oscar.apps.catalogue.models import *  # noqa: E402, F403
