"""Eager Celery and a shop with apps; the receiver of tests.receiver."""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from shop.celery import app as celery_app
from shop.partners import services
from shop.partners.models import PartnerApp
from shop.webhooks.models import WebhookSubscription
from tests import factories
from tests.receiver import receiver  # noqa: F401
from tests.shop.test_checkout import china  # noqa: F401

ALL_ORDER_EVENTS = [
    "order.created",
    "order.paid",
    "order.cancelled",
    "order.shipped",
]

ADDRESS = {
    "first_name": "王芳",
    "line1": "龙泉镇 3 号",
    "line4": "丹寨县",
    "postcode": "557500",
}


@pytest.fixture(autouse=True)
def eager_tasks():
    """Run tasks in-process, whatever broker the environment names."""
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.task_eager_propagates)
    conf.task_always_eager = True
    conf.task_eager_propagates = True
    yield
    conf.task_always_eager, conf.task_eager_propagates = saved


@dataclass
class Shop:
    tea: object
    honey: object
    platform: PartnerApp
    tea_app: PartnerApp
    honey_app: PartnerApp


@pytest.fixture
def shop(china):  # noqa: F811
    """Return tea (30.00) and honey (20.00) of two cooperatives, and apps.

    The platform places orders (scope orders); each cooperative's app
    fulfils its own lines, and the tea cooperative's also gets stock.low.
    """
    tea = factories.StockRecordFactory(
        product__title="丹寨硒锌茶",
        product__producer__name="丹寨县卡拉村茶叶专业合作社",
        price=Decimal("30.00"),
        num_in_stock=20,
        partner_sku="TEA-250G",
    )
    honey = factories.StockRecordFactory(
        product__title="丹寨蜂蜜",
        product__producer__name="丹寨县排调镇蜂蜜专业合作社",
        price=Decimal("20.00"),
        num_in_stock=20,
    )
    factories.BenefitLinkFactory(producer=tea.partner)
    factories.BenefitLinkFactory(producer=honey.partner)
    return Shop(
        tea=tea,
        honey=honey,
        platform=services.app_create(
            name="食堂采购平台",
            organisation_kind=PartnerApp.OrganisationKind.PLATFORM,
            scopes=["orders"],
        ),
        tea_app=services.app_create(
            name="卡拉村合作社进销存",
            organisation_kind=PartnerApp.OrganisationKind.COOPERATIVE,
            scopes=["fulfilment", "listings"],
            producer=tea.partner,
        ),
        honey_app=services.app_create(
            name="排调镇蜂蜜合作社",
            organisation_kind=PartnerApp.OrganisationKind.COOPERATIVE,
            scopes=["fulfilment"],
            producer=honey.partner,
        ),
    )


def subscribe(app, url: str, events: list[str]) -> WebhookSubscription:
    return WebhookSubscription.objects.create(app=app, target_url=url, events=events)
