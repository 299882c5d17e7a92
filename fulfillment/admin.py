"""A read-only view of the attribution ledger: entries are never edited."""

from django.contrib import admin

from fulfillment.models import AttributionEntry


@admin.register(AttributionEntry)
class AttributionEntryAdmin(admin.ModelAdmin):
    list_display = (
        "sequence",
        "kind",
        "order",
        "registry_number",
        "village_code",
        "producer_name",
        "amount",
        "is_counted",
        "not_counted_reason",
        "created_at",
    )
    list_filter = ("kind", "is_counted", "not_counted_reason", "rule")
    search_fields = ("order__number", "registry_number", "village_code")
    list_select_related = ("order",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
