"""Staff change lines in the dashboard through the shop's services."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from fulfillment import lines as statuses
from fulfillment.models import AttributionEntry, LineAdjustment
from tests.fulfillment.test_cancellations import order_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_user(
        username="ops",
        email="ops@example.com",
        password="x",
        is_staff=True,
        is_superuser=True,
    )
    client.force_login(user)
    return client


def change_line(client, order, line, status, quantity):
    return client.post(
        reverse("dashboard:order-detail", args=[order.number]),
        {
            "line_action": "change_line_statuses",
            "selected_line": [line.pk],
            f"selected_line_qty_{line.pk}": quantity,
            "new_status": status,
        },
        follow=True,
    )


def test_cancelling_units_in_the_dashboard_restocks_and_reverses(staff_client):
    order, line, record = order_of("10.00", 2, weights=(1,))

    change_line(staff_client, order, line, statuses.CANCELLED, 1)

    record.refresh_from_db()
    assert record.num_allocated == 1
    assert LineAdjustment.objects.get().amount == Decimal("10.00")
    net = sum(e.amount for e in AttributionEntry.objects.filter(line=line))
    assert net == Decimal("10.00")
    page = staff_client.get(reverse("dashboard:order-detail", args=[order.number]))
    html = page.content.decode()
    assert "不平衡" not in html
    assert "badge-success" in html.split('id="attribution-total"')[1]


def test_a_shipped_line_cannot_be_cancelled_in_the_dashboard(staff_client):
    order, line, record = order_of("10.00", 2, weights=(1,))
    change_line(staff_client, order, line, statuses.CONFIRMED, 2)
    change_line(staff_client, order, line, statuses.SHIPPED, 2)

    page = change_line(staff_client, order, line, statuses.CANCELLED, 2)

    line.refresh_from_db()
    assert line.status == statuses.SHIPPED
    assert LineAdjustment.objects.count() == 0
    assert "已发货" in page.content.decode()


def test_staff_cannot_set_the_order_status_by_hand(staff_client):
    order, line, record = order_of("10.00", 1, weights=(1,))

    staff_client.post(
        reverse("dashboard:order-detail", args=[order.number]),
        {"order_action": "change_order_status", "new_status": statuses.DELIVERED},
    )

    order.refresh_from_db()
    assert order.status == statuses.PENDING


def test_staff_refund_a_whole_order_from_its_page(staff_client):
    order, line, record = order_of("10.00", 3, weights=(1, 1))
    url = reverse("dashboard:order-detail", args=[order.number])

    page = staff_client.post(
        url, {"order_action": "refund_order", "reason": "买家拒收"}, follow=True
    )

    line.refresh_from_db()
    record.refresh_from_db()
    assert line.status == statuses.CANCELLED
    assert record.num_allocated == 0
    assert sum(e.amount for e in AttributionEntry.objects.filter(line=line)) == 0
    assert f"订单 {order.number} 已全额退款。" in page.content.decode()


def test_a_refund_without_a_reason_is_refused_and_changes_nothing(staff_client):
    order, line, record = order_of("10.00", 3, weights=(1,))
    url = reverse("dashboard:order-detail", args=[order.number])

    page = staff_client.post(
        url, {"order_action": "refund_order", "reason": " "}, follow=True
    )

    assert LineAdjustment.objects.count() == 0
    record.refresh_from_db()
    assert record.num_allocated == 3
    assert "请说明取消或退款的原因。" in page.content.decode()
