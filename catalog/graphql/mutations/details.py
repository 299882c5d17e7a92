"""Input fields that describe a product, shared by productCreate and
productUpdate, and what the listing services make of them.
"""

import graphene

from catalog.graphql.types import BenefitRule
from catalog.listings import MAX_CATEGORIES, ListingDetails
from shop.graphql.types import enum_value


class ProductDetailFields:
    """Fields optional in both inputs; each input adds the others."""

    description = graphene.String(description="Description shown to buyers.")
    categories = graphene.List(
        graphene.NonNull(graphene.String),
        description=f"Slugs of its categories, e.g. `cha-ye` (茶叶), at most "
        f"{MAX_CATEGORIES}; they replace any it had.",
    )
    origin_village = graphene.String(
        description="Twelve-digit code of the village it is made in or sourced "
        "from, e.g. 522636101201; it must lie in the origin county."
    )
    benefit_rule = BenefitRule(
        description="Whom a sale of it benefits. DIRECT is refused: only the "
        "mall's staff choose a household."
    )
    is_public = graphene.Boolean(
        description="Whether buyers see it in the storefront and `products`."
    )


def listing_details(data) -> ListingDetails:
    """Return the service's details of a product input; None where left out."""
    rule = data.get("benefit_rule")
    categories = data.get("categories")
    return ListingDetails(
        title=data.get("title"),
        description=data.get("description"),
        product_class=data.get("product_class"),
        categories=None if categories is None else list(categories),
        origin_county=data.get("origin_county"),
        origin_village=data.get("origin_village"),
        benefit_rule=enum_value(rule),
        is_public=data.get("is_public"),
    )
