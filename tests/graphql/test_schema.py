"""The committed schema.graphql, and the documentation inside the schema."""

from django.conf import settings
from graphql import GraphQLEnumType, print_schema

from shop.graphql.schema import schema

REGENERATE = (
    ".venv/bin/python manage.py graphql_schema "
    "--schema shop.graphql.schema.schema --out schema.graphql"
)
BUILT_IN_SCALARS = {"String", "Boolean", "Int", "Float", "ID"}


def undocumented() -> list[str]:
    """Return each type, field, argument and enum value with no description."""
    missing = []
    for name, type_ in schema.graphql_schema.type_map.items():
        if name.startswith("__") or name in BUILT_IN_SCALARS:
            continue
        if not type_.description:
            missing.append(name)
        for field_name, field in getattr(type_, "fields", {}).items():
            if not field.description:
                missing.append(f"{name}.{field_name}")
            for argument, value in getattr(field, "args", {}).items():
                if not value.description:
                    missing.append(f"{name}.{field_name}({argument})")
        if isinstance(type_, GraphQLEnumType):
            for value_name, value in type_.values.items():
                if not value.description:
                    missing.append(f"{name}.{value_name}")
    return missing


def test_committed_schema_is_the_schema_the_code_builds():
    committed = (settings.BASE_DIR / "schema.graphql").read_text(encoding="utf-8")

    printed = print_schema(schema.graphql_schema)

    assert committed.rstrip("\n") == printed, (
        f"schema.graphql is out of date; regenerate it with: {REGENERATE}"
    )


def test_every_type_field_and_argument_is_described():
    assert undocumented() == []
