"""Who is calling: the partner app behind `Authorization: Bearer <token>`.

A request without the header is anonymous and sees the public catalogue.
A header that is malformed, or names an unknown or revoked token, is refused
with one message, so a caller cannot tell which of these it sent.
"""

import re

from graphql import GraphQLError

from shop.graphql.errors import ErrorCode, api_error
from shop.partners.models import PartnerApp
from shop.partners.selectors import app_for_token

BEARER = re.compile(r"Bearer ([A-Za-z0-9_\-]{1,256})")
UNAUTHENTICATED_MESSAGE = (
    "The Authorization header must be `Bearer <token>` with a token that is "
    "valid and not revoked; leave the header out to read the public catalogue."
)
# Attribute of the request caching the result of request_app().
CACHE_ATTR = "_graphql_auth"


def request_app(request) -> PartnerApp | None:
    """Return the partner app whose token the request carries, or None.

    Raise a GraphQLError with code UNAUTHENTICATED for a malformed header,
    or a token that is unknown, revoked or of an inactive app.
    """
    header = request.META.get("HTTP_AUTHORIZATION")
    if header is None:
        return None

    match = BEARER.fullmatch(header)
    app = app_for_token(match.group(1)) if match else None
    if app is None:
        raise api_error(UNAUTHENTICATED_MESSAGE, ErrorCode.UNAUTHENTICATED)
    return app


def require_scope(info, scope: str) -> PartnerApp:
    """Return the calling app if it holds scope.

    Raise a GraphQLError with code FORBIDDEN, naming scope, for an anonymous
    caller or an app without it.
    """
    app = getattr(info.context, "partner_app", None)
    if app is None or not app.has_scope(scope):
        raise api_error(
            f"This needs a token of an app with the `{scope}` scope.",
            ErrorCode.FORBIDDEN,
        )
    return app


def identify(request) -> PartnerApp | GraphQLError | None:
    """Return the calling app, the error refusing its header, or None.

    The header is read once per request: the view counts the request against
    the app's rate limit before the query runs, and the middleware reports a
    refused header when it does.
    """
    result = getattr(request, CACHE_ATTR, None)
    if result is None:
        try:
            result = request_app(request)
        except GraphQLError as error:
            result = error
        setattr(request, CACHE_ATTR, result or False)
    return result or None


def require_producer(info, scope: str):
    """Return the producer a cooperative's app acts for, if it holds scope.

    Raise a GraphQLError with code FORBIDDEN for a caller without scope or
    an app that acts for no producer.
    """
    app = require_scope(info, scope)
    if app.producer_id is None:
        raise api_error(
            "This needs the token of a cooperative's app, which acts for its producer.",
            ErrorCode.FORBIDDEN,
        )
    return app.producer


class PartnerAppMiddleware:
    """Set `request.partner_app` before any root field resolves.

    When the header is refused, every root field fails with the same error,
    so no data is returned.
    """

    def resolve(self, next, root, info, **args):
        if info.path.prev is None:
            _authenticate(info.context)
        return next(root, info, **args)


def _authenticate(request) -> None:
    result = identify(request)
    if isinstance(result, GraphQLError):
        raise result
    request.partner_app = result
