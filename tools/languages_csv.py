#!/usr/bin/env python3
"""Writes data/languages.csv: the NHS list of human languages (UK Core CodeSystem
UKCore-HumanLanguage 2.1.0) with each code as its BCP 47 language subtag from the IANA Language
Subtag Registry, because UK Core binds Patient.communication.language to BCP 47
(ValueSet all-languages). Two-letter NHS codes are already subtags; the NHS sign-language codes
q2-q4 are given the subtag whose registry description is the NHS display word for word (ase, asf,
bfi). Braille (q1) and Makaton (q5) are not languages in BCP 47 and are left out (Braille is a
written format, UKCore-PreferredWrittenCommunicationFormat 12). A deprecated subtag (mo) is
dropped. Usage: python3 tools/languages_csv.py CodeSystem-UKCore-HumanLanguage.xml registry.json
"""
import csv
import json
import sys
import xml.etree.ElementTree as ET

ns = {"f": "http://hl7.org/fhir"}
nhs_file, registry_file = sys.argv[1], sys.argv[2]
registry = {
    x["Subtag"]: x
    for x in json.load(open(registry_file))
    if x["Type"] == "language" and "Deprecated" not in x
}
rows, seen = [], set()
for concept in ET.parse(nhs_file).getroot().findall("f:concept", ns):
    code = concept.find("f:code", ns).get("value")
    display = concept.find("f:display", ns).get("value")
    if code in registry:
        subtag = code
    else:
        found = [s for s, x in registry.items() if display in x["Description"]]
        if len(found) != 1 or not code.startswith("q"):
            print(f"left out: {code} {display}", file=sys.stderr)
            continue
        subtag = found[0]
    if subtag not in seen:
        seen.add(subtag)
        rows.append((subtag, display, code))
rows.sort(key=lambda r: r[1].lower())
out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(["code", "display", "nhs_code"])
out.writerows(rows)
