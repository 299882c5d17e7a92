import oscar.apps.order.apps as apps


class OrderConfig(apps.OrderConfig):
    name = "fulfillment.order"
