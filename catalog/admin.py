"""Admin for the registry, benefit links and certificates.

Households never show the HMAC of the head's ID number; only the masked forms
are visible, and neither can be typed in here (imports set them).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from catalog import models


@admin.register(models.Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(models.Prefecture)
class PrefectureAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "province")
    search_fields = ("code", "name")


@admin.register(models.County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "prefecture", "is_poverty_county", "produce")
    list_filter = ("is_poverty_county",)
    search_fields = ("code", "name")


@admin.register(models.Township)
class TownshipAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "county")
    search_fields = ("code", "name")
    autocomplete_fields = ("county",)


@admin.register(models.Village)
class VillageAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "township")
    search_fields = ("code", "name")
    autocomplete_fields = ("township",)


class HouseholdChangeInline(admin.TabularInline):
    """The household's history as imports wrote it; nobody edits it here."""

    model = models.HouseholdChange
    fields = ("created_at", "batch", "field", "old_display", "new_display")
    readonly_fields = fields
    ordering = ("-created_at", "-pk")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("batch")

    @admin.display(description=_("old value"))
    def old_display(self, change) -> str:
        return _with_villages(change).old_display()

    @admin.display(description=_("new value"))
    def new_display(self, change) -> str:
        return _with_villages(change).new_display()


def _with_villages(change: models.HouseholdChange) -> models.HouseholdChange:
    # A household moves rarely: one query per move shown costs nothing.
    if change.field == change.Field.VILLAGE and not change.village_names:
        models.HouseholdChange.with_village_names([change])
    return change


@admin.register(models.Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = (
        "registry_number",
        "village",
        "size",
        "status",
        "monitoring_kind",
        "head_name_masked",
        "snapshot_date",
        "is_seen",
    )
    # Households the latest export of their county left out are found by
    # is_seen; they are kept, and no longer count.
    list_filter = ("is_seen", "status", "monitoring_kind", "attribute", "main_cause")
    search_fields = ("registry_number", "village__name", "village__code")
    autocomplete_fields = ("village",)
    # What the registry says is only changed by importing its exports, so
    # that every change has its batch in the household's history.
    readonly_fields = (
        "registry_number",
        # The head's ID number shows masked only, never as its HMAC.
        *(f for f in models.Household.FROM_REGISTRY if f != "head_id_hmac"),
        "is_seen",
        "added_by",
    )
    inlines = [HouseholdChangeInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # Shown, never edited: a change made here would have no batch in
        # the household's history, and the next import would undo it.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Households are never deleted: past sales are attributed to them.
        return False


@admin.register(models.BenefitLink)
class BenefitLinkAdmin(admin.ModelAdmin):
    list_display = (
        "producer",
        "household",
        "link_type",
        "weight",
        "valid_from",
        "valid_until",
        "status",
    )
    list_filter = ("status", "link_type", "producer")
    search_fields = ("household__registry_number", "producer__name")
    autocomplete_fields = ("household",)


@admin.register(models.Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = (
        "product",
        "issuer",
        "catalogue_batch",
        "document_number",
        "valid_from",
        "valid_until",
    )
    list_filter = ("issuer", "catalogue_batch")
    search_fields = ("document_number", "product__title")
    raw_id_fields = ("product",)
