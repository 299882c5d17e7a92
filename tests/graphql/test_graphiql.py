"""GraphiQL at /graphql/ works offline: every file it loads is ours."""

import base64
import hashlib
import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


class AssetParser(HTMLParser):
    """Collect (url, integrity) of each script and stylesheet of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.assets: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag == "script" and "src" in attributes:
            self.assets.append((attributes["src"], attributes.get("integrity")))
        if tag == "link" and attributes.get("rel") == "stylesheet":
            self.assets.append((attributes["href"], attributes.get("integrity")))


def graphiql_assets(client) -> tuple[str, list[tuple[str, str | None]]]:
    response = client.get("/graphql/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    page = response.content.decode()
    parser = AssetParser()
    parser.feed(page)
    return page, parser.assets


def sri_sha256(path: str) -> str:
    with open(path, "rb") as file:
        digest = hashlib.sha256(file.read()).digest()
    return "sha256-" + base64.b64encode(digest).decode()


def test_graphiql_page_names_no_outside_address(client):
    page, _ = graphiql_assets(client)

    assert re.findall(r"https?://", page) == []


def test_graphiql_loads_its_eight_bundles_and_graphene_loader(client):
    _, assets = graphiql_assets(client)

    assert [url.rsplit("/", 1)[1] for url, _ in assets] == [
        "graphiql.min.css",
        "style.css",
        "fetch.umd.js",
        "react.production.min.js",
        "react-dom.production.min.js",
        "graphiql.min.js",
        "graphql-ws.min.js",
        "graphiql-plugin-explorer.umd.js",
        "graphiql.js",
    ]


def test_every_file_graphiql_loads_is_a_static_file_matching_its_hash(client):
    _, assets = graphiql_assets(client)

    assert [integrity is not None for _, integrity in assets] == [True] * 8 + [False]
    for url, integrity in assets:
        assert url.startswith(settings.STATIC_URL)
        path = finders.find(url.removeprefix(settings.STATIC_URL))
        assert path is not None, f"{url} is not a static file"
        if integrity is not None:
            assert sri_sha256(path) == integrity, f"{url} differs from the pinned file"


def test_graphql_still_answers_json_to_programs(client):
    response = client.get(
        "/graphql/", {"query": "{ counties { code } }"}, HTTP_ACCEPT="application/json"
    )

    assert response.json() == {
        "data": {"counties": []},
        "extensions": {"cost": {"requested": 1, "limit": 10_000}},
    }
