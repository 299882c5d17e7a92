"""Relay global ids: decoding the ones partners pass as arguments."""

from graphql_relay import from_global_id

from shop.graphql.errors import ErrorCode, api_error


def decode_global_id(value: str, *, type_name: str, argument: str) -> int:
    """Return the primary key inside a global id of type_name.

    Raise a GraphQLError with code INVALID_ID when value is not a global id
    of that type.
    """
    found_type, pk = from_global_id(value)
    if found_type != type_name or not (pk.isascii() and pk.isdigit()):
        raise api_error(
            f"`{argument}` must be the id of a {type_name} as returned in its "
            f"`id` field, not “{value}”.",
            ErrorCode.INVALID_ID,
        )
    return int(pk)


def pk_of_global_id(value: str, *, type_name: str) -> int | None:
    """Return the primary key inside a global id of type_name, else None.

    For mutations, which report a bad id as a typed error of the input field
    rather than as a top-level error.
    """
    try:
        found_type, pk = from_global_id(value)
    except (TypeError, ValueError, UnicodeDecodeError):
        return None
    if found_type != type_name or not (pk.isascii() and pk.isdigit()):
        return None
    return int(pk)
