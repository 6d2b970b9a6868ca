#!/usr/bin/env python3
"""Validates every Open Referral UK endpoint Linkwell serves against the standard's own
schemas (tests/standards/oruk-3.0): the pagination envelope of the ORUK OpenAPI document,
and each record against the compiled service, service_at_location, organization and
taxonomy schemas. Usage: python3 tests/oruk_schemas.py http://127.0.0.1:PORT/oruk
"""
import json
import sys
import urllib.request
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from openapi_spec_validator import validate as validate_openapi

SCHEMAS = Path(__file__).parent / "standards" / "oruk-3.0" / "schema"


def load(name):
    return Draft202012Validator(json.loads((SCHEMAS / name).read_text()))


PAGE = Draft202012Validator({
    **json.loads((SCHEMAS / "openapi.json").read_text())["components"]["schemas"]["Page"],
    "required": ["total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"],
})
SERVICE, SERVICE_LIST = load("compiled/service.json"), load("compiled/service_list.json")
PLACE, PLACE_LIST = load("compiled/service_at_location.json"), load("compiled/service_at_location_list.json")
ORG, ORG_LIST = load("compiled/organization.json"), load("compiled/organization_list.json")
TAXONOMY, TERM = load("taxonomy.json"), load("taxonomy_term.json")

base = sys.argv[1].rstrip("/")
checked = 0


def get(path):
    with urllib.request.urlopen(base + path) as response:
        assert response.headers["Access-Control-Allow-Origin"] == "*", path
        return json.load(response)


def check(validator, document, where):
    global checked
    validator.validate(document)
    checked += 1


def page(path, item_validator):
    body = get(path)
    check(PAGE, body, path)
    assert body["size"] == len(body["contents"]), path
    for item in body["contents"]:
        check(item_validator, item, path)
    return body["contents"]


# The validators must be able to fail: a service without its required name is refused.
try:
    SERVICE.validate({"id": "x", "status": "active"})
    sys.exit("schema self-check: a service without a name was accepted")
except ValidationError:
    pass

about = get("/")
assert isinstance(about.get("version"), str) and isinstance(about.get("profile"), str)
# The validator follows openapi_url: the document there carries the profile's own schemas,
# and is a valid OpenAPI document (openapi-spec-validator comes with schemathesis).

with urllib.request.urlopen(about["openapi_url"]) as response:
    openapi = json.load(response)
for name, file in [("service", "compiled/service.json"), ("service_list", "compiled/service_list.json"),
                   ("service_at_location", "compiled/service_at_location.json"),
                   ("service_at_location_list", "compiled/service_at_location_list.json"),
                   ("organization", "compiled/organization.json"),
                   ("organization_list", "compiled/organization_list.json"),
                   ("taxonomy", "taxonomy.json"), ("taxonomy_term", "taxonomy_term.json")]:
    # Unchanged but for the one reference between files, pointed inside the document.
    text = (SCHEMAS / file).read_text().replace('"taxonomy_term.json"', '"#/components/schemas/taxonomy_term"')
    assert openapi["components"]["schemas"][name] == json.loads(text), name
validate_openapi(openapi)
services = page("/services?per_page=500", SERVICE_LIST)
assert services, "no services to check"
page("/services?full=true&per_page=500", SERVICE)
for service in services:
    check(SERVICE, get(f"/services/{service['id']}"), "/services/{id}")
places = page("/service_at_locations?per_page=500", PLACE_LIST)
page("/service_at_locations?postcode=B25%208DS&proximity=20000", PLACE_LIST)
for place in places:
    check(PLACE, get(f"/service_at_locations/{place['id']}"), "/service_at_locations/{id}")
for org in page("/organizations?per_page=500", ORG_LIST):
    check(ORG, get(f"/organizations/{org['id']}"), "/organizations/{id}")
for taxonomy in page("/taxonomies", TAXONOMY):
    check(TAXONOMY, get(f"/taxonomies/{taxonomy['id']}"), "/taxonomies/{id}")
for term in page("/taxonomy_terms", TERM):
    check(TERM, get(f"/taxonomy_terms/{term['id']}"), "/taxonomy_terms/{id}")
print(f"ORUK schemas: {checked} documents from {base} valid")
