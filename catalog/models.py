"""The registry and what ties producers and products to it.

Divisions (province, prefecture, county, township, village), registry
households, benefit links between producers and households, and
poverty-product certificates. Producers themselves are Oscar partners
(catalog.partner) and products carry their origin (catalog.catalogue).
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
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
    # What an import takes from the registry's export, and nothing else
    # sets (the order is that of the importer's staging lines).
    FROM_REGISTRY = (
        "village",
        "size",
        "status",
        "attribute",
        "main_cause",
        "first_identified_year",
        "monitoring_kind",
        "is_risk_eliminated",
        "head_name_masked",
        "head_id_hmac",
        "head_id_masked",
        "snapshot_date",
    )

    # Unique and indexed through Meta, not unique=True/db_index=True: those
    # also build a pattern-matching index on PostgreSQL that no query uses
    # and every registry import of 300,000 households pays for.
    registry_number = models.CharField(_("registry number"), max_length=32)
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
    # Not indexed: imports compare it household by household, and nothing
    # looks a household up by it; an index cost a first import of 300,000
    # households 1.8 s of its 15.
    head_id_hmac = models.CharField(max_length=64, editable=False)
    head_id_masked = models.CharField(_("head's ID (masked)"), max_length=18)
    snapshot_date = models.DateField(_("registry data date"), null=True, blank=True)
    # A household missing from a newer export of its county is kept, marked
    # not seen, and no longer counts; it counts again when it comes back.
    is_seen = models.BooleanField(_("in the latest registry export"), default=True)
    # Where the household's history starts; its changes since are
    # HouseholdChange rows. Not a change row itself: a first import adds
    # 300,000 households at once. No database constraint either: it would
    # look the batch up once per household (1.2 s of such an import), and
    # batches are never deleted (PROTECT keeps Django from it). No index:
    # nothing but an audit asks which households a batch added.
    added_by = models.ForeignKey(
        "ImportBatch",
        verbose_name=_("added by import"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="households_added",
        db_constraint=False,
        db_index=False,
    )

    class Meta:
        ordering = ["registry_number"]
        verbose_name = _("registry household")
        verbose_name_plural = _("registry households")
        constraints = [
            models.CheckConstraint(
                condition=Q(size__gte=1), name="household_size_gte_1"
            ),
            models.UniqueConstraint(
                fields=["registry_number"], name="household_registry_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.registry_number

    @property
    def is_monitored(self) -> bool:
        return bool(self.monitoring_kind) and not self.is_risk_eliminated

    def is_eligible(self) -> bool:
        """Whether sales to this household count (DESIGN §3 rule 3).

        A household the latest export of its county left out is not.
        """
        if not self.is_seen:
            return False
        return self.status in self.ELIGIBLE_STATUSES or self.is_monitored

    @classmethod
    def eligible_q(cls, prefix: str = "") -> Q:
        """Return is_eligible() as a filter, on a relation given by prefix."""
        monitored = Q(**{f"{prefix}is_risk_eliminated": False}) & ~Q(
            **{f"{prefix}monitoring_kind": cls.Monitoring.NONE}
        )
        counted = Q(**{f"{prefix}status__in": cls.ELIGIBLE_STATUSES}) | monitored
        return Q(**{f"{prefix}is_seen": True}) & counted


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

    class FlagReason(models.TextChoices):
        NONE = "", _("none")
        INELIGIBLE = "ineligible", _("household no longer eligible")
        NOT_SEEN = "not_seen", _("household missing from the latest export")

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
    # Set when a registry import finds the household no longer counts; new
    # sales then record its share as not counted. Cleared when it counts
    # again. Past attribution entries are never touched.
    flag_reason = models.CharField(
        _("flag"), max_length=16, choices=FlagReason.choices, blank=True
    )
    flagged_at = models.DateTimeField(_("flagged at"), null=True, blank=True)
    flagged_by_batch = models.ForeignKey(
        "catalog.ImportBatch",
        verbose_name=_("flagged by import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="flagged_links",
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


class ImportBatch(models.Model):
    """One import of a registry export file, and what it did."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        READING = "reading", _("reading the file")
        CHECKING = "checking", _("checking households")
        APPLYING = "applying", _("applying")
        APPLIED = "applied", _("applied")
        REJECTED = "rejected", _("rejected: nothing applied")
        FAILED = "failed", _("failed: nothing applied")
        DUPLICATE = "duplicate", _("already imported: nothing changed")
        INTERRUPTED = "interrupted", _("interrupted: finished by a later import")

    class Policy(models.TextChoices):
        APPLY_VALID = "apply_valid", _("apply the valid households")
        ALL_OR_NOTHING = "all_or_nothing", _("apply nothing if any row is rejected")

    class Scope(models.TextChoices):
        WHOLE = (
            "whole",
            _(
                "every household of its counties: those it leaves out are marked "
                "not seen"
            ),
        )
        PARTIAL = (
            "partial",
            _("some households only: those it leaves out stay as they are"),
        )

    # Reading reports every few thousand rows and checking a million-row
    # file takes under a minute: minutes of silence mean no process is on it.
    STALLED_AFTER = datetime.timedelta(minutes=5)
    FINISHED = (
        Status.APPLIED,
        Status.REJECTED,
        Status.FAILED,
        Status.DUPLICATE,
        Status.INTERRUPTED,
    )

    source = models.CharField(_("source"), max_length=32)
    file_name = models.CharField(_("file name"), max_length=255)
    file_checksum = models.CharField(_("SHA-256 of the file"), max_length=64)
    file_format = models.CharField(_("format"), max_length=16, blank=True)
    # Where an uploaded file waits for the worker; emptied once it is read,
    # because the file holds ID numbers.
    stored_path = models.CharField(max_length=500, blank=True, editable=False)
    snapshot_date = models.DateField(_("registry data date"), null=True, blank=True)
    policy = models.CharField(
        _("when rows are rejected"),
        max_length=16,
        choices=Policy.choices,
        default=Policy.APPLY_VALID,
    )
    scope = models.CharField(
        _("the file lists"),
        max_length=16,
        choices=Scope.choices,
        default=Scope.WHOLE,
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    message = models.TextField(_("message"), blank=True)
    # Why a FAILED batch could not read its file, for programs.
    failure = models.CharField(max_length=32, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # When the import last said how far it is; a batch not finished that
    # has not moved for long was stopped (see is_stalled).
    updated_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    county_codes = models.JSONField(_("counties in the file"), default=list)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    progress = models.FloatField(_("progress"), default=0)
    households = models.PositiveIntegerField(_("households in the file"), default=0)
    new = models.PositiveIntegerField(_("new"), default=0)
    changed = models.PositiveIntegerField(_("changed"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    not_seen = models.PositiveIntegerField(_("not seen"), default=0)
    # In the file but kept from a newer export, so left as they were.
    outdated = models.PositiveIntegerField(_("older than kept"), default=0)
    rejected = models.PositiveIntegerField(_("rejected households"), default=0)
    row_errors = models.PositiveIntegerField(_("row errors"), default=0)
    links_flagged = models.PositiveIntegerField(_("links flagged"), default=0)
    links_cleared = models.PositiveIntegerField(_("links cleared"), default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("registry import")
        verbose_name_plural = _("registry imports")
        indexes = [models.Index(fields=["file_checksum", "status"])]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    # What started an import, for people; a source not named here is shown
    # as stored.
    SOURCES = {
        "upload": _("upload in the dashboard"),
        "command": _("import_registry command"),
        "demo": _("demo data"),
    }

    def source_display(self) -> str:
        return str(self.SOURCES.get(self.source, self.source))

    def overall_progress(self) -> float:
        """Return how far the whole import is, from 0 to 1.

        progress counts the file read; checking and applying a large file
        take a fifth of the time after it, so reading fills four fifths.
        """
        if self.is_finished:
            return 1.0
        if self.status == self.Status.CHECKING:
            return 0.85
        if self.status == self.Status.APPLYING:
            return 0.92
        return round(self.progress * 0.8, 3)

    def stalled_minutes(self, now=None) -> int:
        """Return for how many whole minutes an unfinished import has not
        moved, once that is more than STALLED_AFTER; else 0."""
        if self.is_finished:
            return 0
        now = now or timezone.now()
        idle = now - (self.updated_at or self.created_at)
        if idle < self.STALLED_AFTER:
            return 0
        return int(idle.total_seconds() // 60)


class ImportRowError(models.Model):
    """Why a row of an import was rejected, as a spreadsheet shows it."""

    batch = models.ForeignKey(
        ImportBatch,
        verbose_name=_("registry import"),
        on_delete=models.CASCADE,
        related_name="errors",
    )
    row_number = models.PositiveIntegerField(_("row"))
    registry_number = models.CharField(_("registry number"), max_length=32, blank=True)
    column = models.CharField(_("column"), max_length=64)
    # ID numbers appear masked; health and phone columns are never quoted.
    value = models.CharField(_("value"), max_length=255, blank=True)
    reason = models.CharField(_("reason"), max_length=500)

    class Meta:
        ordering = ["row_number", "pk"]
        verbose_name = _("row error")
        verbose_name_plural = _("row errors")


class HouseholdChange(models.Model):
    """One change an import made to a household, old and new value."""

    class Field(models.TextChoices):
        STATUS = "status", _("status")
        VILLAGE = "village", _("village")
        SIZE = "size", _("members")
        ATTRIBUTE = "attribute", _("household attribute")
        MAIN_CAUSE = "main_cause", _("main cause")
        MONITORING = "monitoring_kind", _("monitoring kind")
        RISK_ELIMINATED = "is_risk_eliminated", _("risk eliminated")
        FIRST_IDENTIFIED = "first_identified_year", _("first identified")
        HEAD = "head", _("head of household")
        SEEN = "is_seen", _("in the latest registry export")

    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.CASCADE,
        related_name="changes",
    )
    batch = models.ForeignKey(
        ImportBatch,
        verbose_name=_("registry import"),
        on_delete=models.PROTECT,
        related_name="household_changes",
    )
    field = models.CharField(_("field"), max_length=32, choices=Field.choices)
    old_value = models.CharField(_("old value"), max_length=64, blank=True)
    new_value = models.CharField(_("new value"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("changed at"))

    class Meta:
        ordering = ["household", "created_at", "pk"]
        verbose_name = _("household change")
        verbose_name_plural = _("household changes")

    def __str__(self) -> str:
        return (
            f"{self.get_field_display()}: {self.old_display()} → {self.new_display()}"
        )

    # Village codes to names, for the changes of a page; filled by
    # with_village_names so that a page asks once, not once per change.
    village_names: dict[str, str] = {}

    @classmethod
    def with_village_names(cls, changes) -> list["HouseholdChange"]:
        changes = list(changes)
        moves = [c for c in changes if c.field == cls.Field.VILLAGE]
        codes = {code for c in moves for code in (c.old_value, c.new_value)}
        names = dict(Village.objects.filter(code__in=codes).values_list("code", "name"))
        for change in moves:
            change.village_names = names
        return changes

    def old_display(self) -> str:
        return self._shown(self.old_value)

    def new_display(self) -> str:
        return self._shown(self.new_value)

    def _shown(self, value: str) -> str:
        # History keeps the stored codes, which stay true when labels are
        # reworded; people read the labels of the current language.
        if self.field in (self.Field.RISK_ELIMINATED, self.Field.SEEN):
            return str(_("yes") if value == "true" else _("no"))
        if self.field == self.Field.VILLAGE and value in self.village_names:
            return f"{self.village_names[value]} ({value})"
        labels = dict(_CHANGE_CHOICES.get(self.field, ()))
        if self.field == self.Field.STATUS and value.isdigit():
            value = int(value)
        if value in labels:
            return str(labels[value])
        return str(value) or "—"


# The choices a history field's stored values come from.
_CHANGE_CHOICES = {
    HouseholdChange.Field.STATUS: Household.Status.choices,
    HouseholdChange.Field.ATTRIBUTE: Household.Attribute.choices,
    HouseholdChange.Field.MAIN_CAUSE: Household.Cause.choices,
    HouseholdChange.Field.MONITORING: Household.Monitoring.choices,
}


class ImportStagingRow(models.Model):
    """A household of an import being read, until the import is applied.

    A household whose members' rows follow one another in the file (as
    exports list them) is checked while reading and staged as one row: its
    head's, holding what becomes the Household. A household whose members
    are scattered is staged one row per person (is_person_row), each with
    the household's fields as read (household_values), and checked here.
    Nothing here holds an ID number.
    """

    # A plain number, not a foreign key: PostgreSQL would run a constraint
    # trigger for each of a million rows copied in.
    batch_id = models.PositiveIntegerField()
    row_number = models.PositiveIntegerField()
    registry_number = models.CharField(max_length=32)
    person_number = models.CharField(max_length=40, blank=True)
    relation = models.CharField(max_length=16, blank=True)
    is_head = models.BooleanField(default=False)
    has_error = models.BooleanField(default=False)
    household_values = models.TextField(blank=True)
    village_id = models.IntegerField(null=True)
    size = models.PositiveSmallIntegerField(null=True)
    status = models.PositiveSmallIntegerField(null=True)
    attribute = models.CharField(max_length=16, blank=True)
    main_cause = models.CharField(max_length=2, blank=True)
    first_identified_year = models.PositiveSmallIntegerField(null=True)
    monitoring_kind = models.CharField(max_length=16, blank=True)
    is_risk_eliminated = models.BooleanField(default=False)
    head_name_masked = models.CharField(max_length=32, blank=True)
    head_id_hmac = models.CharField(max_length=64, blank=True)
    head_id_masked = models.CharField(max_length=18, blank=True)
    snapshot_date = models.DateField(null=True)
    # True for rows of households whose members are scattered through the
    # file, read a second time one row per person (see imports).
    is_person_row = models.BooleanField(default=False)
    # Set while applying: the household kept differs from this row's.
    is_changed = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["batch_id", "registry_number"])]


class ImportStagingPerson(models.Model):
    """A person's row of an import being read: enough to find repeats.

    Every row of the file has one, so that a person number used twice is
    found wherever the two rows are; no index, because a million of them
    are written and then read once, whole.
    """

    batch_id = models.PositiveIntegerField()
    row_number = models.PositiveIntegerField()
    registry_number = models.CharField(max_length=32)
    person_number = models.CharField(max_length=40)
