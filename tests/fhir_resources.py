#!/usr/bin/env python3
"""Every FHIR resource Linkwell emits parses and validates with the `fhir.resources`
package's R4B models (R4B shares R4's resources used here). Usage:
python3 tests/fhir_resources.py http://127.0.0.1:PORT TOKEN
"""
import json
import sys
import urllib.error
import urllib.request

from fhir.resources.R4B import get_fhir_model_class

base, token = sys.argv[1].rstrip("/"), sys.argv[2]
checked = []


def call(method, path, body=None, media="application/fhir+json"):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", media)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def valid(resource, expected_type):
    assert resource["resourceType"] == expected_type, resource
    get_fhir_model_class(expected_type).model_validate(resource)
    checked.append(expected_type)


# The validator must be able to fail.
try:
    get_fhir_model_class("ServiceRequest").model_validate({"resourceType": "ServiceRequest", "status": "active", "intent": "order", "colour": "red"})
    sys.exit("self-check: an unknown element was accepted")
except Exception:
    pass

status, capability = call("GET", "/fhir/metadata")
assert status == 200
valid(capability, "CapabilityStatement")

request = {
    "resourceType": "ServiceRequest",
    "identifier": [{"system": "https://example.org/gp-referrals", "value": "fhir-check-1"}],
    "status": "active",
    "intent": "order",
    "code": {"coding": [{"system": "http://snomed.info/sct", "code": "871731000000106"}]},
    "subject": {"reference": "#p"},
    "reasonCode": [{"text": "Lonely since bereavement"}],
    "contained": [{
        "resourceType": "Patient", "id": "p",
        "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"}],
        "name": [{"family": "Example", "given": ["Pat"]}],
        "gender": "female", "birthDate": "1950-02-01",
        "address": [{"postalCode": "B25 8DS"}],
    }],
}
status, created = call("POST", "/fhir/ServiceRequest", request)
assert status == 201, (status, created)
valid(created, "ServiceRequest")
status, read = call("GET", f"/fhir/ServiceRequest/{created['id']}")
assert status == 200
valid(read, "ServiceRequest")
status, patient = call("GET", "/fhir/" + read["subject"]["reference"])
assert status == 200
valid(patient, "Patient")
# A connection is a Task.
def api(path, body):
    request = urllib.request.Request(base + "/api/v1" + path, data=json.dumps(body).encode(), method="POST")
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request) as response:
        return json.load(response)


service = api("/services", {"name": "Walking group", "organisation": "Green Paths"})
api(f"/referrals/{created['id']}/consents", {"organisation": "Green Paths", "share": ["name"], "method": "verbal"})
api(f"/referrals/{created['id']}/connections", {"service_id": service["id"]})
status, tasks = call("GET", f"/fhir/Task?focus=ServiceRequest/{created['id']}")
assert status == 200 and tasks["total"] == 1, tasks
valid(tasks, "Bundle")
task = tasks["entry"][0]["resource"]
valid(task, "Task")
task["status"] = "cancelled"
status, updated = call("PUT", f"/fhir/Task/{task['id']}", task)
assert status == 200, updated
valid(updated, "Task")

status, questionnaires = call("GET", "/fhir/Questionnaire")
valid(questionnaires, "Bundle")
for entry in questionnaires["entry"]:
    valid(entry["resource"], "Questionnaire")
swemwbs = questionnaires["entry"][1]["resource"]
status, scored = call("POST", "/fhir/QuestionnaireResponse", {
    "resourceType": "QuestionnaireResponse", "questionnaire": swemwbs["url"], "status": "completed",
    "basedOn": [{"reference": f"ServiceRequest/{created['id']}"}], "authored": "2026-11-20",
    "item": [{"linkId": str(i + 1), "answer": [{"valueInteger": 3}]} for i in range(7)],
})
assert status == 201, scored
valid(scored, "QuestionnaireResponse")

for bad, media in [({"resourceType": "Patient"}, "application/fhir+json"), (request, "application/fhir+json; fhirVersion=5.0")]:
    status, outcome = call("POST", "/fhir/ServiceRequest", bad, media)
    assert 400 <= status < 500, status
    valid(outcome, "OperationOutcome")
print(f"fhir.resources: {len(checked)} resources valid ({', '.join(sorted(set(checked)))})")
