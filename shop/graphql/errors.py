"""Error codes the API reports in an error's `extensions.code`."""

from enum import StrEnum

import graphene
from graphql import GraphQLError


class ErrorCode(StrEnum):
    PAGE_SIZE_REQUIRED = "PAGE_SIZE_REQUIRED"
    PAGE_SIZE_OUT_OF_RANGE = "PAGE_SIZE_OUT_OF_RANGE"
    INVALID_ID = "INVALID_ID"
    INVALID_CODE = "INVALID_CODE"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"


def api_error(message: str, code: ErrorCode) -> GraphQLError:
    """Return a GraphQLError carrying code in its extensions."""
    return GraphQLError(message, extensions={"code": code.value})


class MutationError(graphene.ObjectType):
    """Fields every domain's mutation error type shares.

    Each domain subclasses it and adds `code`, an enum of its own.
    """

    class Meta:
        abstract = True

    field = graphene.String(
        description="The argument or input field at fault, as a dotted path "
        "such as `lines.3.quantity` (list positions count from 0); null when "
        "the request as a whole is at fault."
    )
    message = graphene.String(
        required=True, description="What is wrong, in plain English."
    )
