"""What happened to orders and stock, for whoever listens (e.g. webhooks).

Each signal is sent inside the transaction that made the change, so a
receiver with side effects outside the database defers them with
transaction.on_commit: a change that rolls back then reaches nobody. An
order's creation is Oscar's own order_placed signal.

    order_paid.send(sender=Order, order=order)
        The order's payment was recorded (bank transfer, gateway or cash on
        delivery).
    order_cancelled.send(sender=Order, order=order)
        Every line of the order is cancelled.
    order_shipped.send(sender=Shipment, order=order, shipment=shipment)
        A producer sent units of the order; sent once per shipment, after
        the shipment's lines are saved.
    stock_low.send(sender=StockRecord, stockrecord=stockrecord,
                   num_available=num_available)
        An allocation brought the stockrecord's net stock down to the
        threshold or below it from above: sent once per crossing, not on
        every allocation under the threshold.
"""

from django.dispatch import Signal

order_paid = Signal()
order_cancelled = Signal()
order_shipped = Signal()
stock_low = Signal()
