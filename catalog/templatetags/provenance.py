"""Template tags for where a product comes from and whom it helps."""

from django import template
from django.utils import timezone

from catalog import selectors

register = template.Library()


@register.simple_tag
def product_provenance(product) -> dict:
    """Return the product's producer, origin, certificate and reach."""
    certificate = selectors.current_certificate(product=product)
    today = timezone.localdate()
    return {
        "producer": product.producer,
        "county": product.origin_county,
        "village": product.origin_village,
        "certificate": certificate,
        "is_certified": bool(certificate and certificate.is_valid_on(today)),
        "reach": selectors.product_reach(product=product),
    }
