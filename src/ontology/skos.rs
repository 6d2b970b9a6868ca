//! The ontology as SKOS (W3C Simple Knowledge Organization System), in JSON-LD and Turtle:
//! each vocabulary a `skos:ConceptScheme`, each code a `skos:Concept` with its label,
//! definition and mappings (docs/ontology.md).
//!
//! A concept's IRI is its FHIR CodeSystem's canonical URL with the code as fragment, so the
//! SKOS and FHIR publications name the same things.

use super::{code_system_url, Target, Vocabulary, VERSION};
use crate::public_url::PublicUrl;
use serde_json::{json, Value};
use std::fmt::Write;

pub const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
pub const DCT: &str = "http://purl.org/dc/terms/";
pub const OWL: &str = "http://www.w3.org/2002/07/owl#";
/// Every label and definition is British English.
const LANGUAGE: &str = "en-GB";

/// The IRI of one concept.
pub fn concept_iri(base: &PublicUrl, vocabulary: &str, code: &str) -> String {
    format!("{}#{code}", code_system_url(base, vocabulary))
}

/// A mapping target as an IRI: an outside code as system#code; an ORUK taxonomy term by its
/// UUID.
fn target_iri(target: &Target) -> String {
    match target {
        Target::External(code) => code.iri(),
        Target::OrukTerm(id) => format!("urn:uuid:{id}"),
    }
}

fn text(value: &str) -> Value {
    json!({"@value": value, "@language": LANGUAGE})
}

/// The whole ontology as one JSON-LD document.
pub fn json_ld(base: &PublicUrl, vocabularies: &[Vocabulary]) -> Value {
    let mut graph = Vec::new();
    for v in vocabularies {
        let scheme = code_system_url(base, v.id);
        let concepts: Vec<Value> = v
            .concepts
            .iter()
            .map(|c| json!({"@id": concept_iri(base, v.id, c.code)}))
            .collect();
        graph.push(json!({
            "@id": scheme,
            "@type": "skos:ConceptScheme",
            "skos:prefLabel": text(v.title),
            "dct:title": text(v.title),
            "skos:definition": text(v.description),
            "dct:publisher": "Linkwell",
            "owl:versionInfo": VERSION,
            "skos:hasTopConcept": concepts,
        }));
        for c in &v.concepts {
            let mut node = json!({
                "@id": concept_iri(base, v.id, c.code),
                "@type": "skos:Concept",
                "skos:inScheme": {"@id": scheme},
                "skos:topConceptOf": {"@id": scheme},
                "skos:notation": c.code,
                "skos:prefLabel": text(c.display),
            });
            if let Some(definition) = c.definition {
                node["skos:definition"] = text(definition);
            }
            for m in &c.mappings {
                let key = format!("skos:{}", m.relation.skos_property());
                let entry = node
                    .as_object_mut()
                    .expect("a node is an object")
                    .entry(key)
                    .or_insert_with(|| json!([]));
                if let Some(list) = entry.as_array_mut() {
                    list.push(json!({"@id": target_iri(&m.target)}));
                }
            }
            graph.push(node);
        }
    }
    json!({
        "@context": {"skos": SKOS, "dct": DCT, "owl": OWL},
        "@graph": graph,
    })
}

/// A Turtle string literal, escaped (Turtle 1.1, STRING_LITERAL_QUOTE).
fn literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn tagged(value: &str) -> String {
    format!("{}@{LANGUAGE}", literal(value))
}

/// An IRI reference; the characters Turtle forbids inside `<>` are percent-encoded (none
/// occur in Linkwell's codes or a parsed public URL, but an IRI is never trusted to be plain).
fn iri(value: &str) -> String {
    let mut out = String::from("<");
    for c in value.chars() {
        match c {
            '<' | '>' | '"' | '{' | '}' | '|' | '^' | '`' | '\\' | ' ' => {
                let _ = write!(out, "%{:02X}", c as u32);
            }
            c if (c as u32) <= 0x20 => {
                let _ = write!(out, "%{:02X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('>');
    out
}

/// The whole ontology as one Turtle document.
pub fn turtle(base: &PublicUrl, vocabularies: &[Vocabulary]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "@prefix skos: <{SKOS}> .");
    let _ = writeln!(out, "@prefix dct: <{DCT}> .");
    let _ = writeln!(out, "@prefix owl: <{OWL}> .");
    for v in vocabularies {
        let scheme = iri(&code_system_url(base, v.id));
        let _ = writeln!(out);
        let _ = writeln!(out, "{scheme} a skos:ConceptScheme ;");
        let _ = writeln!(out, "    skos:prefLabel {} ;", tagged(v.title));
        let _ = writeln!(out, "    dct:title {} ;", tagged(v.title));
        let _ = writeln!(out, "    skos:definition {} ;", tagged(v.description));
        let _ = writeln!(out, "    dct:publisher {} ;", literal("Linkwell"));
        let _ = writeln!(out, "    owl:versionInfo {} ;", literal(VERSION));
        let tops: Vec<String> = v
            .concepts
            .iter()
            .map(|c| iri(&concept_iri(base, v.id, c.code)))
            .collect();
        let _ = writeln!(out, "    skos:hasTopConcept {} .", tops.join(",\n        "));
        for c in &v.concepts {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "{} a skos:Concept ;",
                iri(&concept_iri(base, v.id, c.code))
            );
            let _ = writeln!(out, "    skos:inScheme {scheme} ;");
            let _ = writeln!(out, "    skos:topConceptOf {scheme} ;");
            let _ = writeln!(out, "    skos:notation {} ;", literal(c.code));
            if let Some(definition) = c.definition {
                let _ = writeln!(out, "    skos:definition {} ;", tagged(definition));
            }
            for m in &c.mappings {
                let _ = writeln!(
                    out,
                    "    skos:{} {} ;",
                    m.relation.skos_property(),
                    iri(&target_iri(&m.target))
                );
            }
            let _ = writeln!(out, "    skos:prefLabel {} .", tagged(c.display));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_and_iris_are_escaped() {
        assert_eq!(literal("a \"b\" \\ c\n"), r#""a \"b\" \\ c\n""#);
        assert_eq!(iri("http://x/a b<c>"), "<http://x/a%20b%3Cc%3E>");
    }

    #[test]
    fn each_concept_is_written_once_with_its_definition() {
        let base = PublicUrl::parse("https://linkwell.example").unwrap();
        let vocabularies = super::super::vocabularies();
        let ttl = turtle(&base, &vocabularies);
        let doc = json_ld(&base, &vocabularies);
        let nodes = doc["@graph"].as_array().unwrap();
        for v in &vocabularies {
            for c in &v.concepts {
                let id = concept_iri(&base, v.id, c.code);
                assert_eq!(ttl.matches(&format!("<{id}> a skos:Concept")).count(), 1);
                let node: Vec<_> = nodes.iter().filter(|n| n["@id"] == id).collect();
                assert_eq!(node.len(), 1, "{id}");
                assert_eq!(node[0]["skos:definition"]["@value"], c.definition.unwrap());
            }
        }
    }
}
