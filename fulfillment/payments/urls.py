from django.urls import path
from oscar.views.decorators import permissions_required

from fulfillment.payments import views

app_name = "payments"

# Recording money is changing the order: staff who may change orders.
staff_only = permissions_required(["is_staff", "order.change_order"])

urlpatterns = [
    path(
        "callback/<slug:gateway>/",
        views.GatewayCallbackView.as_view(),
        name="callback",
    ),
    path(
        "dashboard/orders/<str:number>/bank-transfer/",
        staff_only(views.BankTransferConfirmView.as_view()),
        name="bank-transfer-confirm",
    ),
    path(
        "dashboard/orders/<str:number>/cash-on-delivery/",
        staff_only(views.CashOnDeliveryCollectView.as_view()),
        name="cash-on-delivery-collect",
    ),
]
