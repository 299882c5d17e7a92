import oscar.apps.dashboard.orders.apps as apps


class OrdersDashboardConfig(apps.OrdersDashboardConfig):
    name = "fulfillment.dashboard.orders"

    def ready(self):
        super().ready()
        # Oscar looks dashboard views up through the parent "dashboard" app,
        # which is not forked; point the two changed views at ours here.
        from fulfillment.dashboard.orders import views

        self.order_list_view = views.OrderListView
        self.order_detail_view = views.OrderDetailView
