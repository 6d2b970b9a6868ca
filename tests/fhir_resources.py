#!/usr/bin/env python3
"""Every FHIR resource Linkwell emits parses and validates with the `fhir.resources`
package's R4B models (R4B shares R4's resources used here). Usage:
python3 tests/fhir_resources.py http://127.0.0.1:PORT TOKEN DATABASE_FILE
"""
import json
import sqlite3
import sys
import urllib.error
import urllib.request

from fhir.resources.R4B import get_fhir_model_class

base, token, database = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
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

# The PRSB record's fields on a Patient (issue 16, item 5), sent and read back valid.
prsb = json.loads(json.dumps(request))
prsb["identifier"][0]["value"] = "fhir-check-prsb"
prsb_patient = prsb["contained"][0]
prsb_patient["identifier"][0]["value"] = "4010232137"
prsb_patient["name"].append({"use": "usual", "given": ["Patsy"]})
prsb_patient["address"] = [{"line": ["14 Acacia Avenue", "Flat 2"], "city": "Birmingham", "postalCode": "B25 8DS"}]
prsb_patient["communication"] = [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "bfi"}]}, "preferred": True}]
prsb_patient["extension"] = [
    {"url": "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired", "valueBoolean": True},
    {"url": "http://hl7.org/fhir/StructureDefinition/patient-genderIdentity", "valueCodeableConcept": {"text": "Non-binary"}},
    {"url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-ContactPreference", "extension": [
        {"url": "PreferredContactMethod", "valueCodeableConcept": {"coding": [
            {"system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-PreferredContactMethod", "code": "9"}]}},
        {"url": "PreferredContactTimes", "valueString": "Evenings"},
        {"url": "PreferredWrittenCommunicationFormat", "valueCodeableConcept": {"coding": [
            {"system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-PreferredWrittenCommunicationFormat", "code": "11"}]}},
    ]},
]
valid(prsb, "ServiceRequest")
status, made = call("POST", "/fhir/ServiceRequest", prsb)
assert status == 201, (status, made)
status, prsb_read = call("GET", "/fhir/" + made["subject"]["reference"])
assert status == 200
valid(prsb_read, "Patient")
assert prsb_read["address"][0]["line"] == ["14 Acacia Avenue", "Flat 2"] and prsb_read["address"][0]["city"] == "Birmingham", prsb_read
assert prsb_read["communication"][0]["language"]["coding"][0]["code"] == "bfi", prsb_read
assert {"use": "usual", "given": ["Patsy"]} in prsb_read["name"], prsb_read
urls = [e["url"] for e in prsb_read["extension"]]
assert "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired" in urls, urls
assert "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-ContactPreference" in urls, urls

# A connection is a Task.
def api(path, body):
    request = urllib.request.Request(base + "/api/v1" + path, data=json.dumps(body).encode(), method="POST")
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request) as response:
        return json.load(response)


service = api("/services", {"name": "Walking group", "organisation": "Green Paths"})
consent = api(f"/referrals/{created['id']}/consents", {"organisation": "Green Paths", "share": ["name"], "method": "verbal"})
api(f"/referrals/{created['id']}/connections", {"service_id": service["id"], "consent_id": consent["id"]})
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
swemwbs = next(e["resource"] for e in questionnaires["entry"] if e["resource"]["id"] == "swemwbs")
status, scored = call("POST", "/fhir/QuestionnaireResponse", {
    "resourceType": "QuestionnaireResponse", "questionnaire": swemwbs["url"], "status": "completed",
    "basedOn": [{"reference": f"ServiceRequest/{created['id']}"}], "authored": "2026-11-20",
    "item": [{"linkId": str(i + 1), "answer": [{"valueInteger": 3}]} for i in range(7)],
})
assert status == 201, scored
valid(scored, "QuestionnaireResponse")

# Service use around the referral (issue 17, item 4) as an Observation coded from Linkwell's
# own CodeSystem: what is sent and what comes back both validate; a bad one is refused with
# a valid OperationOutcome.
status, service_use = call("GET", "/fhir/CodeSystem/service-use")
assert status == 200, service_use
valid(service_use, "CodeSystem")
observation = {
    "resourceType": "Observation", "status": "final",
    "code": {"coding": [{"system": service_use["url"], "code": "gp_consultations_before"}]},
    "subject": {"reference": read["subject"]["reference"]},
    "basedOn": [{"reference": f"ServiceRequest/{created['id']}"}],
    "valueInteger": 3,
}
valid(observation, "Observation")
status, recorded = call("POST", "/fhir/Observation", observation)
assert status == 201, recorded
valid(recorded, "Observation")
assert recorded["valueInteger"] == 3, recorded
status, refused = call("POST", "/fhir/Observation", dict(observation, valueInteger=500))
assert status == 422, refused
valid(refused, "OperationOutcome")

# A practice for the GP message to go to (there is no command to add one yet).
with sqlite3.connect(database) as db:
    team = db.execute("SELECT id FROM teams ORDER BY id LIMIT 1").fetchone()[0]
    db.execute("INSERT INTO practices (code, name, team_id) VALUES ('M00001', 'Test Surgery', ?)", (team,))

# A transaction: Patient (registered with the practice) + ServiceRequest + Consent, with the
# person agreeing to share what matters and their needs with the practice.
patient = dict(request["contained"][0])
del patient["id"]
patient["identifier"] = [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765870"}]
patient["generalPractitioner"] = [{"identifier": {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "M00001"}}]
patient["extension"] = [{"url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory",
                         "valueCodeableConcept": {"coding": [{"system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategory", "code": "H"}]}}]
in_bundle = dict(request, identifier=[{"system": "https://example.org/gp-referrals", "value": "fhir-check-2"}],
                 subject={"reference": "urn:uuid:6f1c2b8e-0d4a-4c55-9e2f-3a7b1c9d0e11"})
del in_bundle["contained"]
consent = {
    "resourceType": "Consent", "status": "active",
    "extension": [{"url": "urn:linkwell:extension:consent-method", "valueCode": "verbal"}],
    "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
    "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IDSCL"}]}],
    "patient": {"reference": "urn:uuid:6f1c2b8e-0d4a-4c55-9e2f-3a7b1c9d0e11"},
    "provision": {"type": "permit",
                  "actor": [{"role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP"}]},
                             "reference": {"display": "Test Surgery"}}],
                  "code": [{"coding": [{"system": "urn:linkwell:CodeSystem:shared-field", "code": c}]} for c in ("what_matters", "needs")]},
}
transaction = {"resourceType": "Bundle", "type": "transaction", "entry": [
    {"fullUrl": "urn:uuid:6f1c2b8e-0d4a-4c55-9e2f-3a7b1c9d0e11", "resource": patient, "request": {"method": "POST", "url": "Patient"}},
    {"fullUrl": "urn:uuid:0b5e1d7a-8c2f-4b3e-a6d9-1f0e2c3b4a59", "resource": in_bundle, "request": {"method": "POST", "url": "ServiceRequest"}},
    {"fullUrl": "urn:uuid:c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f", "resource": consent, "request": {"method": "POST", "url": "Consent"}},
]}
valid(transaction, "Bundle")
status, response = call("POST", "/fhir", transaction)
assert status == 200, response
valid(response, "Bundle")
referral = response["entry"][1]["response"]["location"].split("/")[1]
person = response["entry"][0]["response"]["location"]
# The Consent sent with the referral is proposed; read it back as such, then confirm it.
proposed = response["entry"][2]["response"]["location"]
status, sent = call("GET", "/fhir/" + proposed)
assert status == 200 and sent["status"] == "proposed", sent
valid(sent, "Consent")
api("/" + proposed.lower().replace("consent/", "consents/") + "/confirmation", {})
api(f"/referrals/{referral}/contacts", {"mode": "home_visit", "duration_minutes": 30, "what_matters": "My garden"})
api(f"/referrals/{referral}/needs", {"need": "money", "notes": "Arrears"})
goal = api(f"/referrals/{referral}/goals", {"description": "Clear the arrears", "need": "money"})
api(f"/goals/{goal['id']}/progress", {"progress": 4, "note": "Plan agreed"})
# The transaction's Consent is proposed until the link worker confirms it; both states are
# valid FHIR (read back below). A connection names the consent it rests on.
consent = api(f"/referrals/{referral}/consents", {"organisation": "Green Paths", "share": ["name"], "method": "written"})
api(f"/referrals/{referral}/connections", {"service_id": service["id"], "consent_id": consent["id"]})
for instrument, answers in [("ons4", [6, 7, 5, 4]), ("ucla3", [2, 2, 3]), ("swemwbs", [3] * 7)]:
    api(f"/referrals/{referral}/measures", {"instrument": instrument, "timing": "baseline", "answers": answers})
for kind in ["Patient", "ServiceRequest", "Task", "Goal", "Consent", "Condition", "QuestionnaireResponse"]:
    query = "" if kind == "Patient" else f"?patient={person}"
    status, bundle = call("GET", f"/fhir/{kind}{query}")
    assert status == 200 and bundle["total"] >= 1, (kind, bundle)
    valid(bundle, "Bundle")
    for entry in bundle["entry"]:
        valid(entry["resource"], kind)
status, who = call("GET", f"/fhir/{person}")
ethnic = who["extension"][0]["valueCodeableConcept"]["coding"][0]
assert ethnic["code"] == "asian", ethnic  # NHS ethnic category H (Indian) is in the ONS Asian group
status, message = call("GET", f"/fhir/ServiceRequest/{referral}/$gp-message")
assert status == 200, message
valid(message, "Bundle")
kinds = [entry["resource"]["resourceType"] for entry in message["entry"]]
assert {"MessageHeader", "Patient", "ServiceRequest", "Encounter", "Observation", "Condition", "Goal"} <= set(kinds), kinds
for entry in message["entry"]:
    valid(entry["resource"], entry["resource"]["resourceType"])

# The published terminology: every CodeSystem and ValueSet, and each ValueSet's expansion.
for kind in ["CodeSystem", "ValueSet"]:
    status, bundle = call("GET", f"/fhir/{kind}")
    assert status == 200 and bundle["total"] >= 19, (kind, bundle)
    valid(bundle, "Bundle")
    for entry in bundle["entry"]:
        resource = entry["resource"]
        valid(resource, kind)
        status, read = call("GET", f"/fhir/{kind}/{resource['id']}")
        assert status == 200 and read == resource, (kind, resource["id"])
        if kind == "CodeSystem":
            assert resource["content"] == "complete" and all(c.get("definition") for c in resource["concept"]), resource["id"]
        else:
            status, expanded = call("GET", f"/fhir/ValueSet/{resource['id']}/$expand")
            assert status == 200, expanded
            valid(expanded, "ValueSet")

# The SKOS export parses as RDF (rdflib from PyPI), in Turtle and JSON-LD, to the same graph.
import rdflib
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SKOS


def text(path):
    request = urllib.request.Request(base + path)
    request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request) as response:
        return response.read().decode()


turtle = rdflib.Graph().parse(data=text("/api/v1/ontology.ttl"), format="turtle")
json_ld = rdflib.Graph().parse(data=text("/api/v1/ontology.jsonld"), format="json-ld")
assert isomorphic(turtle, json_ld), "the Turtle and JSON-LD exports differ"
concepts = set(turtle.subjects(RDF.type, SKOS.Concept))
schemes = set(turtle.subjects(RDF.type, SKOS.ConceptScheme))
assert len(schemes) >= 19 and len(concepts) >= 100, (len(schemes), len(concepts))
for concept in concepts:
    assert len(list(turtle.objects(concept, SKOS.definition))) == 1, concept
    assert len(list(turtle.objects(concept, SKOS.prefLabel))) == 1, concept
    assert len(list(turtle.objects(concept, SKOS.inScheme))) == 1, concept
print(f"rdflib: {len(turtle)} triples, {len(schemes)} concept schemes, {len(concepts)} concepts; Turtle and JSON-LD agree")

for bad, media in [({"resourceType": "Patient"}, "application/fhir+json"), (request, "application/fhir+json; fhirVersion=5.0")]:
    status, outcome = call("POST", "/fhir/ServiceRequest", bad, media)
    assert 400 <= status < 500, status
    valid(outcome, "OperationOutcome")
print(f"fhir.resources: {len(checked)} resources valid ({', '.join(sorted(set(checked)))})")
