//! The OpenAPI document of Linkwell's Open Referral UK API, served at `/oruk/openapi.json`
//! and named by `/oruk/`'s `openapi_url`. The ORUK validator reads it to learn which paths
//! to walk and what each answer must look like, so it lists exactly the paths and query
//! parameters Linkwell serves, with the names and parameter texts of the current ORUK
//! OpenAPI (the HSDS 3.0 template the profile adopts), and carries the profile's own
//! compiled JSON schemas (`data/oruk-3.0/schema`, unmodified) as its response schemas,
//! so it is complete without fetching anything else.

use serde_json::{json, Map, Value};
use std::sync::OnceLock;

/// The query parameters, named as in the current ORUK OpenAPI and described from its
/// wording with what Linkwell does exactly; the last five come from the ORUK 3.0 profile's
/// earlier document, and `proximity` is a number of metres (the template says string).
const PARAMETERS: &[(&str, &str, &str)] = &[
    ("search", "string", "Full text search: every word must appear in the name or description (case ignored)."),
    ("page", "integer", "Page number of paginated result (from 1)."),
    ("per_page", "integer", "Number of results requested in a single page (1 to 500; 50 when not given)."),
    ("format", "string", "Return results in the specified format. Default is `json`. `ndjson` returns every result, one JSON object a line (`application/x-ndjson`), without pagination."),
    ("taxonomy_term_id", "string", "Search for services with particular taxonomy_term."),
    ("taxonomy_id", "string", "Search for services which contain any term with this taxonomy (on /taxonomy_terms: terms of this taxonomy)."),
    ("organization_id", "string", "Search for services that this organization provides."),
    ("modified_after", "string", "Return all results modified on or after this datetime (RFC 3339)."),
    ("minimal", "boolean", "Return services with just 'id' and 'last_modified' (the HSDS field for the date modified). All services are returned within one page unless per_page is given."),
    ("full", "boolean", "Return a fully nested service, service_at_location, or organization based on the request."),
    ("full_service", "boolean", "Fully nested organization with service array that contains full service information."),
    ("top_only", "boolean", "Only retrieve top-level taxonomy terms: those without a parent term."),
    ("parent_id", "string", "Retrieve taxonomy terms that have a parent with this id."),
    ("postcode", "string", "The postcode of a point to measure from; results are ordered nearest first."),
    ("proximity", "number", "Return services within this many metres of the centroid of the provided postcode (requires postcode)."),
    ("minimum_age", "number", "Return services whose minimum age is at least this."),
    ("maximum_age", "number", "Return services whose maximum age is at most this."),
    ("start_time", "string", "Return services with a schedule opening at or after this time (HH:MM)."),
    ("end_time", "string", "Return services with a schedule closing at or before this time (HH:MM)."),
    ("day", "string", "Return services open on this day (a day name or an RFC 5545 code such as MO)."),
];

/// Filters of `/services` and `/service_at_locations` both.
const SERVICE_FILTERS: &[&str] = &[
    "search",
    "page",
    "per_page",
    "format",
    "taxonomy_term_id",
    "taxonomy_id",
    "organization_id",
    "modified_after",
    "full",
    "minimum_age",
    "maximum_age",
    "start_time",
    "end_time",
    "day",
];

/// One list path: its parameters beyond [`SERVICE_FILTERS`] where it has them, and the
/// schema of each item.
struct ListPath {
    path: &'static str,
    operation: &'static str,
    summary: &'static str,
    parameters: &'static [&'static str],
    service_filters: bool,
    item: &'static str,
}

const LISTS: &[ListPath] = &[
    ListPath {
        path: "/services",
        operation: "getPaginatedListOfServices",
        summary: "Paginated listings of services that only have one-to-one fields in them (full=true: fully nested services).",
        parameters: &["minimal"],
        service_filters: true,
        item: "service_list",
    },
    ListPath {
        path: "/service_at_locations",
        operation: "getPaginatedListOfServiceAtLocation",
        summary: "Paginated listings of service_at_location that only have one-to-one fields in them (full=true: fully nested).",
        parameters: &["postcode", "proximity"],
        service_filters: true,
        item: "service_at_location_list",
    },
    ListPath {
        path: "/organizations",
        operation: "getPaginatedListOfOrganizations",
        summary: "Paginated list of basic Organization information (full or full_service: fully nested).",
        parameters: &["search", "full_service", "full", "page", "per_page", "format"],
        service_filters: false,
        item: "organization_list",
    },
    ListPath {
        path: "/taxonomies",
        operation: "getPaginatedListOfTaxonomies",
        summary: "Paginated listing of taxonomies.",
        parameters: &["search", "page", "per_page", "format"],
        service_filters: false,
        item: "taxonomy",
    },
    ListPath {
        path: "/taxonomy_terms",
        operation: "getPaginatedListOfTaxonomyTerms",
        summary: "Paginated listing of taxonomy terms.",
        parameters: &[
            "search",
            "page",
            "per_page",
            "format",
            "taxonomy_id",
            "top_only",
            "parent_id",
        ],
        service_filters: false,
        item: "taxonomy_term",
    },
];

/// One record by id: its operation, parameters and schema.
const RECORDS: &[(&str, &str, &str, &[&str], &str)] = &[
    (
        "/services/{id}",
        "getFullyNestedServiceById",
        "Fully nested service with all related data.",
        &[],
        "service",
    ),
    (
        "/service_at_locations/{id}",
        "getServiceAtLocationWithNestedDataById",
        "Fully nested service_at_location with its service in list form.",
        &[],
        "service_at_location",
    ),
    (
        "/organizations/{id}",
        "getOrganizationById",
        "Fully nested organization with a service array in list form (full_service=true: full services).",
        &["full_service"],
        "organization",
    ),
    (
        "/taxonomies/{id}",
        "getTaxonomyById",
        "Full information on a taxonomy.",
        &[],
        "taxonomy",
    ),
    (
        "/taxonomy_terms/{id}",
        "getTaxonomyTermById",
        "Full information on a taxonomy term.",
        &[],
        "taxonomy_term",
    ),
];

/// The ORUK profile's compiled schemas, named as the ORUK OpenAPI names their files.
fn profile_schemas() -> [(&'static str, &'static str); 8] {
    [
        (
            "service",
            include_str!("../../../data/oruk-3.0/schema/compiled/service.json"),
        ),
        (
            "service_list",
            include_str!("../../../data/oruk-3.0/schema/compiled/service_list.json"),
        ),
        (
            "service_at_location",
            include_str!("../../../data/oruk-3.0/schema/compiled/service_at_location.json"),
        ),
        (
            "service_at_location_list",
            include_str!("../../../data/oruk-3.0/schema/compiled/service_at_location_list.json"),
        ),
        (
            "organization",
            include_str!("../../../data/oruk-3.0/schema/compiled/organization.json"),
        ),
        (
            "organization_list",
            include_str!("../../../data/oruk-3.0/schema/compiled/organization_list.json"),
        ),
        (
            "taxonomy",
            include_str!("../../../data/oruk-3.0/schema/taxonomy.json"),
        ),
        (
            "taxonomy_term",
            include_str!("../../../data/oruk-3.0/schema/taxonomy_term.json"),
        ),
    ]
}

/// The names of a path's query parameters, in the document's order (`None`: no such path).
pub fn parameters_of(path: &str) -> Option<Vec<&'static str>> {
    if let Some(list) = LISTS.iter().find(|l| l.path == path) {
        let mut names: Vec<&'static str> = Vec::new();
        let extra = list.parameters.iter();
        let filters = if list.service_filters {
            SERVICE_FILTERS
        } else {
            &[]
        };
        for name in filters.iter().chain(extra) {
            if !names.contains(name) {
                names.push(name);
            }
        }
        return Some(names);
    }
    RECORDS.iter().find(|r| r.0 == path).map(|r| r.3.to_vec())
}

fn parameter_refs(names: &[&str]) -> Value {
    names
        .iter()
        .map(|n| json!({"$ref": format!("#/components/parameters/{n}")}))
        .collect()
}

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn problems(statuses: &[(&str, &str)]) -> Map<String, Value> {
    statuses
        .iter()
        .map(|(status, description)| {
            (
                status.to_string(),
                json!({"description": description, "content": {
                    "application/problem+json": {"schema": schema_ref("Problem")}}}),
            )
        })
        .collect()
}

/// The document without its server: built once (the schemas are large), then copied.
fn template() -> &'static Value {
    static TEMPLATE: OnceLock<Value> = OnceLock::new();
    TEMPLATE.get_or_init(build)
}

fn build() -> Value {
    let mut paths = Map::new();
    paths.insert(
        "/".into(),
        json!({"get": {
            "operationId": "getAPIMetaInformation",
            "summary": "Retrieve information about this API and its relationship with HSDS.",
            "responses": {"200": {"description": "Information about this API.",
                "content": {"application/json": {"schema": schema_ref("api_details")}}}}
        }}),
    );
    paths.insert(
        "/openapi.json".into(),
        json!({"get": {
            "operationId": "getOpenApiDocument",
            "summary": "This document.",
            "responses": {"200": {"description": "The OpenAPI document of this API.",
                "content": {"application/json": {"schema": {"type": "object"}}}}}
        }}),
    );
    for list in LISTS {
        let names = parameters_of(list.path).unwrap_or_default();
        let mut responses = problems(&[("422", "A parameter is unknown or invalid.")]);
        responses.insert(
            "200".into(),
            json!({"description": list.summary, "content": {
                "application/json": {"schema": {
                    "allOf": [schema_ref("Page")],
                    "properties": {"contents": {"type": "array", "items": schema_ref(list.item)}}
                }},
                "application/x-ndjson": {"schema": schema_ref(list.item)}
            }}),
        );
        paths.insert(
            list.path.into(),
            json!({"get": {
                "operationId": list.operation,
                "summary": list.summary,
                "parameters": parameter_refs(&names),
                "responses": responses,
            }}),
        );
    }
    for (path, operation, summary, parameters, schema) in RECORDS {
        let mut responses = problems(&[
            ("404", "No record has this id."),
            ("422", "A parameter is unknown or invalid."),
        ]);
        responses.insert(
            "200".into(),
            json!({"description": summary, "content": {
                "application/json": {"schema": schema_ref(schema)}}}),
        );
        paths.insert(
            path.to_string(),
            json!({
                "parameters": [{"in": "path", "name": "id", "required": true,
                    "description": "The id of the record to retrieve.", "schema": {"type": "string"}}],
                "get": {
                    "operationId": operation,
                    "summary": summary,
                    "parameters": parameter_refs(parameters),
                    "responses": responses,
                }
            }),
        );
    }

    let parameters: Map<String, Value> = PARAMETERS
        .iter()
        .map(|(name, kind, description)| {
            (
                name.to_string(),
                json!({"name": name, "in": "query", "required": false,
                       "description": description, "schema": {"type": kind}}),
            )
        })
        .collect();

    let mut schemas = Map::new();
    schemas.insert(
        "Page".into(),
        json!({
            "type": "object",
            "required": ["total_items", "total_pages", "page_number", "size",
                         "first_page", "last_page", "empty", "contents"],
            "properties": {
                "total_items": {"type": "integer", "description": "Count of total results."},
                "total_pages": {"type": "integer", "description": "Count of total pages."},
                "page_number": {"type": "integer", "description": "Current page number."},
                "size": {"type": "integer", "description": "Size of current page."},
                "first_page": {"type": "boolean", "description": "Is this page the first page."},
                "last_page": {"type": "boolean", "description": "Is this page the last page."},
                "empty": {"type": "boolean", "description": "Is this page empty."},
                "contents": {"type": "array"}
            }
        }),
    );
    schemas.insert(
        "api_details".into(),
        json!({
            "type": "object",
            "required": ["version", "profile", "openapi_url"],
            "properties": {
                "version": {"type": "string", "description": "HSDS version of this API."},
                "profile": {"type": "string", "format": "uri",
                            "description": "URL of the information on the HSDS profile of this API."},
                "openapi_url": {"type": "string", "format": "uri",
                                "description": "URL of the openapi JSON file which defines this API."}
            }
        }),
    );
    schemas.insert(
        "Problem".into(),
        json!({
            "type": "object",
            "description": "An RFC 9457 problem document.",
            "required": ["type", "title", "status"],
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"}
            }
        }),
    );
    for (name, text) in profile_schemas() {
        let mut schema: Value =
            serde_json::from_str(text).expect("the shipped ORUK schemas are JSON");
        point_file_refs_into_document(&mut schema);
        schemas.insert(name.into(), schema);
    }

    json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "Linkwell community directory: Open Referral UK API",
            "version": "3.0",
            "description": "The Open Referral UK (HSDS 3.0 UK profile) read API of this Linkwell \
                directory: public, anonymous, `Access-Control-Allow-Origin: *`. Response schemas \
                are the ORUK profile's compiled schemas. Errors are RFC 9457 problem documents.",
            "license": {
                "name": "Creative Commons Attribution Share-Alike 4.0 (ORUK schemas and parameter texts)",
                "url": "https://creativecommons.org/licenses/by-sa/4.0/"
            }
        },
        "paths": paths,
        "components": {"schemas": schemas, "parameters": parameters},
    })
}

/// The profile's schemas refer to each other by file name (`taxonomy.json` holds
/// `{"$ref": "taxonomy_term.json"}`), which a reader would resolve beside this document,
/// where nothing is served: such references point at the same schema in the document.
fn point_file_refs_into_document(schema: &mut Value) {
    match schema {
        Value::Object(fields) => {
            for (key, value) in fields.iter_mut() {
                match (key.as_str(), value.as_str()) {
                    ("$ref", Some(file)) if !file.starts_with('#') => {
                        let name = file.trim_start_matches("./").trim_end_matches(".json");
                        *value = json!(format!("#/components/schemas/{name}"));
                    }
                    _ => point_file_refs_into_document(value),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(point_file_refs_into_document),
        _ => {}
    }
}

/// The document for an API served at `server_url` (absolute, e.g. `https://x.example/oruk`).
pub fn document(server_url: &str) -> Value {
    let mut document = template().clone();
    document["servers"] = json!([{"url": server_url}]);
    document
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parameter_named_is_defined_and_every_schema_named_exists() {
        let doc = document("https://x.example/oruk");
        let defined = &doc["components"]["parameters"];
        let schemas = &doc["components"]["schemas"];
        let text = doc.to_string();
        for (_, operation) in doc["paths"].as_object().unwrap() {
            for p in operation["get"]["parameters"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let name = p["$ref"].as_str().unwrap().rsplit('/').next().unwrap();
                assert!(defined.get(name).is_some(), "{name} undefined");
            }
        }
        for name in [
            "service",
            "service_list",
            "organization",
            "taxonomy_term",
            "Page",
        ] {
            assert!(schemas.get(name).is_some(), "{name}");
            assert!(text.contains(&format!("#/components/schemas/{name}\"")));
        }
        assert_eq!(
            parameters_of("/taxonomy_terms").unwrap(),
            [
                "search",
                "page",
                "per_page",
                "format",
                "taxonomy_id",
                "top_only",
                "parent_id"
            ]
        );
        assert!(parameters_of("/services").unwrap().contains(&"minimal"));
        assert!(!parameters_of("/services").unwrap().contains(&"postcode"));
        assert_eq!(parameters_of("/nowhere"), None);
    }

    /// Every `$ref` resolves inside the document, so it is complete on its own.
    #[test]
    fn every_reference_resolves_inside_the_document() {
        fn refs<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
            match value {
                Value::Object(fields) => {
                    if let Some(r) = fields.get("$ref").and_then(Value::as_str) {
                        found.push(r);
                    }
                    fields.values().for_each(|v| refs(v, found));
                }
                Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
                _ => {}
            }
        }
        let doc = document("https://x.example/oruk");
        let mut found = Vec::new();
        refs(&doc, &mut found);
        assert!(found.contains(&"#/components/schemas/taxonomy_term"));
        for r in found {
            let pointer = r.strip_prefix('#').unwrap_or_else(|| panic!("{r} leaves"));
            assert!(doc.pointer(pointer).is_some(), "{r} names nothing");
        }
    }
}
