"""django-oscar: currency, checkout and dashboard navigation."""

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from oscar.defaults import *  # noqa: F403
from oscar.defaults import OSCAR_DASHBOARD_NAVIGATION

from shop.dashboard_access import can_see_flags, staff_can_use_admin

OSCAR_SHOP_NAME = "扶贫商城"
OSCAR_SHOP_TAGLINE = "消费帮扶 · 每一分都算到建档立卡户"
OSCAR_HOMEPAGE = reverse_lazy("catalogue:index")
OSCAR_DEFAULT_CURRENCY = "CNY"
# Babel writes "CN¥" outside Chinese locales; the shop shows ¥ and two
# decimals in every language.
OSCAR_CURRENCY_FORMAT = {"CNY": {"format": "¥#,##0.00", "currency_digits": False}}
OSCAR_ALLOW_ANON_CHECKOUT = True
OSCAR_FROM_EMAIL = "shop@fupin.example"
# Statuses are stored as shown: Oscar's templates print them as they are.
# Line statuses follow the pipeline; the order's status is derived from its
# lines by fulfillment.lines, never set by hand.
OSCAR_INITIAL_ORDER_STATUS = "待确认"
OSCAR_INITIAL_LINE_STATUS = "待确认"
OSCAR_LINE_STATUS_PIPELINE = {
    "待确认": ("已确认", "已取消"),
    "已确认": ("部分发货", "已发货", "已取消"),
    # Its unshipped rest cancelled, a partly shipped line has all shipped.
    "部分发货": ("已发货",),
    "已发货": ("已送达", "已退款"),
    "已送达": ("已退款",),
    "已取消": (),
    "已退款": (),
}
_ORDER_STATUSES = (
    "待确认",
    "已确认",
    "部分发货",
    "已发货",
    "已送达",
    "已取消",
    "已退款",
)
# Any move is allowed: fulfillment.lines derives the status, staff cannot.
OSCAR_ORDER_STATUS_PIPELINE = dict.fromkeys(_ORDER_STATUSES, _ORDER_STATUSES)
OSCAR_REQUIRED_ADDRESS_FIELDS = (
    "first_name",
    "line1",
    "line4",
    "postcode",
    "country",
)
OSCAR_SLUG_ALLOW_UNICODE = False
OSCAR_SLUG_FUNCTION = "catalog.slugs.pinyin_slugify"

OSCAR_DASHBOARD_NAVIGATION = OSCAR_DASHBOARD_NAVIGATION + [
    {
        "label": _("Registry"),
        "icon": "fas fa-users",
        "children": [
            {
                "label": _("Registry imports"),
                "url_name": "registry-dashboard:import-list",
                "access_fn": staff_can_use_admin,
            },
            {
                "label": _("Flagged benefit links"),
                "url_name": "registry-dashboard:flagged-links",
                "access_fn": can_see_flags,
            },
            {
                "label": _("Households"),
                "url_name": "admin:catalog_household_changelist",
                "access_fn": staff_can_use_admin,
            },
            {
                "label": _("Benefit links"),
                "url_name": "admin:catalog_benefitlink_changelist",
                "access_fn": staff_can_use_admin,
            },
            {
                "label": _("Certificates"),
                "url_name": "admin:catalog_certificate_changelist",
                "access_fn": staff_can_use_admin,
            },
        ],
    },
    {
        "label": _("Partner API"),
        "icon": "fas fa-plug",
        "children": [
            {
                "label": _("Partner apps"),
                "url_name": "admin:partner_apps_partnerapp_changelist",
                "access_fn": staff_can_use_admin,
            },
            {
                "label": _("Tokens"),
                "url_name": "admin:partner_apps_apptoken_changelist",
                "access_fn": staff_can_use_admin,
            },
            {
                "label": _("Webhook subscriptions"),
                "url_name": "admin:webhooks_webhooksubscription_changelist",
                "access_fn": staff_can_use_admin,
            },
            {
                "label": _("Webhook deliveries"),
                "url_name": "admin:webhooks_webhookdelivery_changelist",
                "access_fn": staff_can_use_admin,
            },
        ],
    },
]
PHONENUMBER_DEFAULT_REGION = "CN"
