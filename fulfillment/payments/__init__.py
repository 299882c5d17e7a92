"""Payment of orders without outside services: transfer, cash, a gateway."""
