"""The calling partner app, as the API shows it to itself."""

import graphene

from catalog.graphql.types import Producer
from shop.partners.models import PartnerApp as PartnerAppModel
from shop.partners.models import Scope as ScopeChoice


class Scope(graphene.Enum):
    class Meta:
        description = "What an app's tokens may read or change beyond the catalogue."

    LISTINGS = ScopeChoice.LISTINGS.value
    ORDERS = ScopeChoice.ORDERS.value
    FULFILMENT = ScopeChoice.FULFILMENT.value
    IMPACT = ScopeChoice.IMPACT.value
    IMPACT_HOUSEHOLDS = ScopeChoice.IMPACT_HOUSEHOLDS.value

    @property
    def description(self) -> str:
        return {
            Scope.LISTINGS: "`listings`: its producer's own products, stock "
            "and prices.",
            Scope.ORDERS: "`orders`: place and read the app's own orders.",
            Scope.FULFILMENT: "`fulfilment`: shipments for its producer's own "
            "order lines.",
            Scope.IMPACT: "`impact`: attributed totals by village and county.",
            Scope.IMPACT_HOUSEHOLDS: "`impact:households`: per-household "
            "figures keyed by an opaque token.",
        }[self]


class OrganisationKind(graphene.Enum):
    class Meta:
        description = "What kind of organisation a partner app belongs to."

    PLATFORM = PartnerAppModel.OrganisationKind.PLATFORM.value
    COOPERATIVE = PartnerAppModel.OrganisationKind.COOPERATIVE.value
    ENTERPRISE = PartnerAppModel.OrganisationKind.ENTERPRISE.value

    @property
    def description(self) -> str:
        return {
            OrganisationKind.PLATFORM: "A partner platform: a procurement "
            "portal, a company canteen or another shop.",
            OrganisationKind.COOPERATIVE: "A cooperative's own system, acting "
            "for its producer.",
            OrganisationKind.ENTERPRISE: "An enterprise buying or pledging purchases.",
        }[self]


class PartnerApp(graphene.ObjectType):
    class Meta:
        description = "A partner app: the organisation a token belongs to."

    name = graphene.String(required=True, description="Name staff gave the app.")
    organisation_kind = graphene.Field(
        OrganisationKind, required=True, description="Kind of organisation."
    )
    producer = graphene.Field(
        Producer,
        description="The producer a cooperative's app acts for; null for others.",
    )
    scopes = graphene.List(
        graphene.NonNull(Scope),
        required=True,
        description="Its scopes, in the order staff granted them.",
    )

    @staticmethod
    def resolve_organisation_kind(root: PartnerAppModel, info) -> str:
        return root.organisation_kind

    @staticmethod
    def resolve_scopes(root: PartnerAppModel, info) -> list[str]:
        return list(root.scopes)
