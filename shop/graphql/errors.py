"""Error codes the API reports in an error's `extensions.code`."""

from enum import StrEnum

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
