"""The registry and what ties producers and products to it.

Divisions (province, prefecture, county, township, village), registry
households, benefit links between producers and households, and
poverty-product certificates. Producers themselves are Oscar partners
(catalog.partner) and products carry their origin (catalog.catalogue).
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalog.registry import codes


class Province(models.Model):
    code = models.CharField(
        _("code"), max_length=6, unique=True, validators=[codes.validate_province_code]
    )
    name = models.CharField(_("name"), max_length=64)

    class Meta:
        ordering = ["code"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self) -> str:
        return self.name


class Prefecture(models.Model):
    code = models.CharField(
        _("code"),
        max_length=6,
        unique=True,
        validators=[codes.validate_prefecture_code],
    )
    name = models.CharField(_("name"), max_length=64)
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        related_name="prefectures",
        verbose_name=_("province"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("prefecture")
        verbose_name_plural = _("prefectures")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.province_id and self.code[:2] != self.province.code[:2]:
            raise ValidationError(
                {"code": _("A prefecture code starts with its province's digits.")}
            )


# GB/T 2260 names these levels without their being places of their own.
PLACEHOLDER_PREFECTURES = {
    "市辖区",
    "县",
    "省直辖县级行政区划",
    "自治区直辖县级行政区划",
}


class County(models.Model):
    code = models.CharField(
        _("code"), max_length=6, unique=True, validators=[codes.validate_county_code]
    )
    name = models.CharField(_("name"), max_length=64)
    prefecture = models.ForeignKey(
        Prefecture,
        on_delete=models.PROTECT,
        related_name="counties",
        verbose_name=_("prefecture"),
    )
    is_poverty_county = models.BooleanField(
        _("one of the 832 poverty counties"), default=False
    )
    produce = models.CharField(_("characteristic produce"), max_length=255, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("county")
        verbose_name_plural = _("counties")

    def __str__(self) -> str:
        return self.name

    @property
    def full_name(self) -> str:
        """Return the name as an address writes it, e.g. 贵州省毕节市大方县.

        The municipalities' placeholder prefectures (市辖区, 县) and the
        province-administered groups are not part of anyone's address.
        """
        prefecture = self.prefecture.name
        province = self.prefecture.province.name
        if prefecture in PLACEHOLDER_PREFECTURES or prefecture == province:
            prefecture = ""
        return f"{province}{prefecture}{self.name}"

    def clean(self) -> None:
        if self.prefecture_id and self.code[:4] != self.prefecture.code[:4]:
            raise ValidationError(
                {"code": _("A county code starts with its prefecture's digits.")}
            )


class Township(models.Model):
    code = models.CharField(
        _("code"), max_length=9, unique=True, validators=[codes.validate_township_code]
    )
    name = models.CharField(_("name"), max_length=64)
    county = models.ForeignKey(
        County,
        on_delete=models.PROTECT,
        related_name="townships",
        verbose_name=_("county"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("township")
        verbose_name_plural = _("townships")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.county_id and self.code[:6] != self.county.code:
            raise ValidationError(
                {"code": _("A township code starts with its county's code.")}
            )


class Village(models.Model):
    code = models.CharField(
        _("code"), max_length=12, unique=True, validators=[codes.validate_village_code]
    )
    name = models.CharField(_("name"), max_length=64)
    township = models.ForeignKey(
        Township,
        on_delete=models.PROTECT,
        related_name="villages",
        verbose_name=_("township"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("village")
        verbose_name_plural = _("villages")

    def __str__(self) -> str:
        return f"{self.township.county.name}{self.township.name}{self.name}"

    def clean(self) -> None:
        if self.township_id and self.code[:9] != self.township.code:
            raise ValidationError(
                {"code": _("A village code starts with its township's code.")}
            )

    @property
    def county_code(self) -> str:
        return self.code[:6]


class Household(models.Model):
    """A registry household (建档立卡户), identified by its registry number."""

    class Status(models.IntegerChoices):
        NOT_OUT = 0, _("not yet out of poverty")
        OUT_SUPPORTED = 1, _("out of poverty, still supported")
        RELAPSED = 3, _("relapsed")
        OUT_UNSUPPORTED = 4, _("out of poverty, no longer supported")

    class Attribute(models.TextChoices):
        GENERAL = "general", _("ordinary poor household")
        DIBAO = "dibao", _("minimum-subsistence household")
        TEKUN = "tekun", _("destitute-support household")

    class Cause(models.TextChoices):
        ILLNESS = "01", _("illness")
        DISABILITY = "02", _("disability")
        SCHOOLING = "03", _("schooling")
        DISASTER = "04", _("disaster")
        LAND = "05", _("lack of land")
        WATER = "06", _("lack of water")
        SKILLS = "07", _("lack of skills")
        LABOUR = "08", _("lack of labour")
        CAPITAL = "09", _("lack of capital")
        TRANSPORT = "10", _("poor transport")
        DRIVE = "11", _("lack of drive")
        OTHER = "12", _("other")
        MARRIAGE = "13", _("marriage")
        FAILED_PROJECT = "14", _("failed project")

    class Monitoring(models.TextChoices):
        NONE = "", _("not monitored")
        UNSTABLE_EXITED = "unstable", _("unstable exited household")
        MARGINAL = "marginal", _("marginal household at risk")
        SUDDEN_HARDSHIP = "sudden", _("household in sudden hardship")

    ELIGIBLE_STATUSES = (Status.NOT_OUT, Status.OUT_SUPPORTED, Status.RELAPSED)

    registry_number = models.CharField(_("registry number"), max_length=32, unique=True)
    village = models.ForeignKey(
        Village,
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name=_("village"),
    )
    size = models.PositiveSmallIntegerField(_("members"))
    status = models.PositiveSmallIntegerField(_("status"), choices=Status.choices)
    attribute = models.CharField(
        _("household attribute"),
        max_length=16,
        choices=Attribute.choices,
        default=Attribute.GENERAL,
    )
    main_cause = models.CharField(
        _("main cause"), max_length=2, choices=Cause.choices, blank=True
    )
    first_identified_year = models.PositiveSmallIntegerField(_("first identified"))
    exit_year = models.PositiveSmallIntegerField(_("exit year"), null=True, blank=True)
    monitoring_kind = models.CharField(
        _("monitoring kind"),
        max_length=16,
        choices=Monitoring.choices,
        default=Monitoring.NONE,
        blank=True,
    )
    is_risk_eliminated = models.BooleanField(_("risk eliminated"), default=False)
    head_name_masked = models.CharField(_("head of household"), max_length=32)
    # Only a keyed HMAC and a masked form of the head's ID number are kept:
    # enough to match the same person in a later export, never to show it.
    head_id_hmac = models.CharField(max_length=64, db_index=True, editable=False)
    head_id_masked = models.CharField(_("head's ID (masked)"), max_length=18)
    snapshot_date = models.DateField(_("registry data date"), null=True, blank=True)

    class Meta:
        ordering = ["registry_number"]
        verbose_name = _("registry household")
        verbose_name_plural = _("registry households")
        constraints = [
            models.CheckConstraint(
                condition=Q(size__gte=1), name="household_size_gte_1"
            )
        ]

    def __str__(self) -> str:
        return self.registry_number

    @property
    def is_monitored(self) -> bool:
        return bool(self.monitoring_kind) and not self.is_risk_eliminated

    def is_eligible(self) -> bool:
        """Whether sales to this household count (DESIGN §3 rule 3)."""
        return self.status in self.ELIGIBLE_STATUSES or self.is_monitored


class BenefitLink(models.Model):
    """How a producer's sales reach a household (利益联结)."""

    class LinkType(models.TextChoices):
        CONTRACT_PURCHASE = "contract", _("contract purchase")
        FLOOR_PRICE = "floor_price", _("floor-price purchase")
        DIVIDEND = "dividend", _("dividend")
        EQUITY = "equity", _("equity share")
        EMPLOYMENT = "employment", _("employment")
        LAND_RENT = "land_rent", _("land rent")

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        SUSPENDED = "suspended", _("suspended")
        ENDED = "ended", _("ended")

    producer = models.ForeignKey(
        "partner.Partner",
        on_delete=models.PROTECT,
        related_name="benefit_links",
        verbose_name=_("producer"),
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        related_name="benefit_links",
        verbose_name=_("household"),
    )
    link_type = models.CharField(
        _("link type"), max_length=16, choices=LinkType.choices
    )
    weight = models.DecimalField(
        _("weight"), max_digits=10, decimal_places=3, default=Decimal("1.000")
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )

    class Meta:
        ordering = ["producer", "household__registry_number"]
        verbose_name = _("benefit link")
        verbose_name_plural = _("benefit links")
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gt=0), name="benefit_weight_gt_0"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_until__gte=models.F("valid_from")),
                name="benefit_link_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.producer} → {self.household} ({self.get_link_type_display()})"

    def clean(self) -> None:
        errors = {}
        if self.weight is not None and self.weight <= 0:
            errors["weight"] = _("A benefit link's weight must be positive.")
        if self.valid_until and self.valid_from and self.valid_until < self.valid_from:
            errors["valid_until"] = _("The link cannot end before it starts.")
        if errors:
            raise ValidationError(errors)

    def is_active_on(self, day: datetime.date) -> bool:
        return (
            self.status == self.Status.ACTIVE
            and self.valid_from <= day
            and (self.valid_until is None or day <= self.valid_until)
        )


class Certificate(models.Model):
    """A product's certification as a poverty-alleviation product."""

    product = models.ForeignKey(
        "catalogue.Product",
        on_delete=models.CASCADE,
        related_name="certificates",
        verbose_name=_("product"),
    )
    issuer = models.CharField(_("issuer"), max_length=128)
    catalogue_batch = models.CharField(_("catalogue batch"), max_length=64)
    document_number = models.CharField(_("document number"), max_length=64)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))

    class Meta:
        ordering = ["-valid_until", "pk"]
        verbose_name = _("poverty-product certificate")
        verbose_name_plural = _("poverty-product certificates")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")),
                name="certificate_valid_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.issuer} {self.document_number}"

    def clean(self) -> None:
        if self.valid_until and self.valid_from and self.valid_until < self.valid_from:
            raise ValidationError(
                {"valid_until": _("A certificate cannot end before it starts.")}
            )

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day <= self.valid_until
