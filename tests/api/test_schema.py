"""The OpenAPI schema and the docs page load; the docs use only our static files (Swagger UI from the sidecar)."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_schema_describes_every_endpoint(client):
    response = client.get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in (
        "/api/campaigns/",
        "/api/campaigns/{slug}/figures/",
        "/api/donor/lots/{id}/",
        "/api/partner/lots/{id}/units/",
        "/api/partner/lots/{id}/wipes/",
    ):
        assert path in schema["paths"], path
    assert schema["components"]["securitySchemes"]["jeton"]["scheme"] == "bearer"
    units = schema["paths"]["/api/partner/lots/{id}/units/"]["post"]
    assert "numéro de série" in units["description"]


def test_schema_in_english_with_the_language_cookie(client):
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    schema = client.get(reverse("api:schema"), {"format": "json"}).json()
    summaries = {op["summary"] for path in schema["paths"].values() for op in path.values()}
    assert "My lots and their progress" in summaries


def test_docs_page_loads_only_local_assets(client):
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls, html
    for url in urls:
        assert url.startswith("/"), f"not a local file: {url}"
        assert not url.startswith("//")
    static = [u for u in urls if u.startswith("/static/")]
    assert any("swagger-ui-bundle" in u for u in static)
    for url in static:
        assert finders.find(url.removeprefix("/static/")), url
    # The page's own script (no inline script: the Content-Security-Policy forbids it).
    assert "<script>" not in html.replace(" ", "")
    script = [u for u in urls if "script" in u and not u.startswith("/static/")]
    for url in script:
        assert client.get(url).status_code == 200
