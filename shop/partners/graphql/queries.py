"""Root fields about the caller."""

import graphene

from shop.partners.graphql.types import PartnerApp
from shop.partners.models import PartnerApp as PartnerAppModel


class PartnerAppQueries(graphene.ObjectType):
    viewer = graphene.Field(
        PartnerApp,
        description="The app whose token authenticates the request; null "
        "without an `Authorization` header.",
    )

    @staticmethod
    def resolve_viewer(root, info) -> PartnerAppModel | None:
        return getattr(info.context, "partner_app", None)
