//! The HSDS 3.0 CSV data package, in and out. Rows are nested into service records the
//! same way a JSON feed carries them (a service with its organisation, locations,
//! schedules, costs, contacts, phones, attributes...), so both formats import into one
//! directory. Rows no service record carries (metadata, unused taxonomies, attributes
//! linked elsewhere) are kept as received, so exporting gives the package back.

use serde_json::{Map, Number, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::Path;

/// The package's tables, with HSDS 3.0's column order for writing new ones.
pub const TABLES: [(&str, &[&str]); 21] = [
    (
        "organizations",
        &[
            "id",
            "name",
            "alternate_name",
            "description",
            "email",
            "website",
            "tax_status",
            "tax_id",
            "year_incorporated",
            "legal_status",
            "logo",
            "uri",
            "parent_organization_id",
        ],
    ),
    (
        "programs",
        &[
            "id",
            "organization_id",
            "name",
            "alternate_name",
            "description",
        ],
    ),
    (
        "services",
        &[
            "id",
            "organization_id",
            "program_id",
            "name",
            "alternate_name",
            "description",
            "url",
            "email",
            "status",
            "interpretation_services",
            "application_process",
            "fees_description",
            "wait_time",
            "fees",
            "accreditations",
            "eligibility_description",
            "minimum_age",
            "maximum_age",
            "assured_date",
            "assurer_email",
            "licenses",
            "alert",
            "last_modified",
        ],
    ),
    (
        "locations",
        &[
            "id",
            "location_type",
            "url",
            "organization_id",
            "name",
            "alternate_name",
            "description",
            "transportation",
            "latitude",
            "longitude",
            "external_identifier",
            "external_identifier_type",
        ],
    ),
    (
        "service_at_location",
        &["id", "service_id", "location_id", "description"],
    ),
    (
        "addresses",
        &[
            "id",
            "location_id",
            "attention",
            "address_1",
            "address_2",
            "city",
            "region",
            "state_province",
            "postal_code",
            "country",
            "address_type",
        ],
    ),
    (
        "accessibility",
        &["id", "location_id", "description", "details", "url"],
    ),
    (
        "schedules",
        &[
            "id",
            "service_id",
            "location_id",
            "service_at_location_id",
            "valid_from",
            "valid_to",
            "dtstart",
            "timezone",
            "until",
            "count",
            "wkst",
            "freq",
            "interval",
            "byday",
            "byweekno",
            "bymonthday",
            "byyearday",
            "description",
            "opens_at",
            "closes_at",
            "schedule_link",
            "attending_type",
            "notes",
        ],
    ),
    (
        "service_areas",
        &[
            "id",
            "service_id",
            "name",
            "description",
            "extent",
            "extent_type",
            "uri",
        ],
    ),
    (
        "languages",
        &[
            "id",
            "service_id",
            "location_id",
            "phone_id",
            "name",
            "code",
            "note",
        ],
    ),
    (
        "funding",
        &["id", "organization_id", "service_id", "source"],
    ),
    (
        "cost_options",
        &[
            "id",
            "service_id",
            "valid_from",
            "valid_to",
            "option",
            "currency",
            "amount",
            "amount_description",
        ],
    ),
    (
        "required_documents",
        &["id", "service_id", "document", "uri"],
    ),
    (
        "contacts",
        &[
            "id",
            "organization_id",
            "service_id",
            "service_at_location_id",
            "location_id",
            "name",
            "title",
            "department",
            "email",
        ],
    ),
    (
        "phones",
        &[
            "id",
            "location_id",
            "service_id",
            "organization_id",
            "contact_id",
            "service_at_location_id",
            "number",
            "extension",
            "type",
            "description",
        ],
    ),
    (
        "attributes",
        &[
            "id",
            "link_id",
            "taxonomy_term_id",
            "link_type",
            "link_entity",
            "value",
        ],
    ),
    (
        "taxonomy_terms",
        &[
            "id",
            "code",
            "name",
            "description",
            "parent_id",
            "taxonomy",
            "language",
            "taxonomy_id",
            "term_uri",
        ],
    ),
    (
        "taxonomies",
        &["id", "name", "description", "uri", "version"],
    ),
    (
        "organization_identifiers",
        &[
            "id",
            "organization_id",
            "identifier_scheme",
            "identifier_type",
            "identifier",
        ],
    ),
    (
        "metadata",
        &[
            "id",
            "resource_id",
            "resource_type",
            "last_action_date",
            "last_action_type",
            "field_name",
            "previous_value",
            "replacement_value",
            "updated_by",
        ],
    ),
    (
        "meta_table_descriptions",
        &["id", "name", "language", "character_set"],
    ),
];

/// Columns holding numbers in HSDS 3.0 (written as JSON numbers in records).
const NUMBERS: [&str; 11] = [
    "minimum_age",
    "maximum_age",
    "latitude",
    "longitude",
    "amount",
    "interval",
    "count",
    "timezone",
    "extension",
    "year_incorporated",
    "available",
];

/// One table: its columns and rows of text cells, as in the CSV file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Tables by name (the file name without `.csv`).
pub type Package = BTreeMap<String, Table>;

/// A problem in a package: which file, which row (from 2, after the header), which field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageError {
    pub file: String,
    pub row: Option<usize>,
    pub field: String,
    pub message: String,
}

impl fmt::Display for PackageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(row) = self.row {
            write!(f, " row {row}")?;
        }
        if !self.field.is_empty() {
            write!(f, ", field {}", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

fn problem(
    file: &str,
    row: Option<usize>,
    field: &str,
    message: impl Into<String>,
) -> PackageError {
    PackageError {
        file: file.into(),
        row,
        field: field.into(),
        message: message.into(),
    }
}

/// Reads every CSV file of a package folder (an optional `datapackage.json` is ignored).
pub fn read(dir: &Path) -> Result<Package, Vec<PackageError>> {
    let known: HashSet<&str> = TABLES.iter().map(|(t, _)| *t).collect();
    let entries = std::fs::read_dir(dir)
        .map_err(|e| vec![problem(&dir.display().to_string(), None, "", e.to_string())])?;
    let mut package = Package::new();
    let mut errors = Vec::new();
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    files.sort();
    for path in files {
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().to_string())
            .unwrap_or_default();
        let name = file.trim_end_matches(".csv").to_string();
        if !known.contains(name.as_str()) {
            errors.push(problem(&file, None, "", "not an HSDS 3.0 table"));
            continue;
        }
        let mut reader = match csv::Reader::from_path(&path) {
            Ok(r) => r,
            Err(e) => {
                errors.push(problem(&file, None, "", e.to_string()));
                continue;
            }
        };
        let columns: Vec<String> = match reader.headers() {
            Ok(h) => h.iter().map(str::to_string).collect(),
            Err(e) => {
                errors.push(problem(&file, Some(1), "", e.to_string()));
                continue;
            }
        };
        if !columns.iter().any(|c| c == "id") {
            errors.push(problem(
                &file,
                Some(1),
                "id",
                "every HSDS table has an id column",
            ));
        }
        let mut rows = Vec::new();
        for (i, record) in reader.records().enumerate() {
            match record {
                Ok(r) => rows.push(r.iter().map(str::to_string).collect()),
                Err(e) => errors.push(problem(&file, Some(i + 2), "", e.to_string())),
            }
        }
        package.insert(name, Table { columns, rows });
    }
    if !package.contains_key("services") && errors.is_empty() {
        errors.push(problem(
            "services.csv",
            None,
            "",
            "the package has no services table",
        ));
    }
    if errors.is_empty() {
        Ok(package)
    } else {
        Err(errors)
    }
}

/// Rows of one table as records, by id, remembering each row's number.
struct Records {
    by_id: HashMap<String, (usize, Map<String, Value>)>,
    order: Vec<String>,
}

fn records(name: &str, table: &Table, errors: &mut Vec<PackageError>) -> Records {
    let file = format!("{name}.csv");
    let mut out = Records {
        by_id: HashMap::new(),
        order: Vec::new(),
    };
    for (i, row) in table.rows.iter().enumerate() {
        let line = i + 2;
        let mut record = Map::new();
        for (column, cell) in table.columns.iter().zip(row) {
            if cell.is_empty() {
                continue;
            }
            let value = if NUMBERS.contains(&column.as_str()) {
                match cell.parse::<Number>() {
                    Ok(n) => Value::Number(n),
                    Err(_) => {
                        errors.push(problem(
                            &file,
                            Some(line),
                            column,
                            format!("must be a number (got {cell:?})"),
                        ));
                        continue;
                    }
                }
            } else {
                Value::String(cell.clone())
            };
            record.insert(column.clone(), value);
        }
        let Some(id) = record.get("id").and_then(Value::as_str).map(str::to_string) else {
            errors.push(problem(&file, Some(line), "id", "must not be empty"));
            continue;
        };
        if out.by_id.contains_key(&id) {
            errors.push(problem(
                &file,
                Some(line),
                "id",
                format!("{id:?} appears twice"),
            ));
            continue;
        }
        out.order.push(id.clone());
        out.by_id.insert(id, (line, record));
    }
    out
}

/// How rows nest: (parent table, field in the parent record, child table, the child's
/// column naming the parent). Single records name their child in the parent instead.
const CHILDREN: [(&str, &str, &str, &str); 16] = [
    ("services", "schedules", "schedules", "service_id"),
    ("services", "service_areas", "service_areas", "service_id"),
    (
        "services",
        "service_at_locations",
        "service_at_location",
        "service_id",
    ),
    ("services", "languages", "languages", "service_id"),
    ("services", "funding", "funding", "service_id"),
    ("services", "cost_options", "cost_options", "service_id"),
    (
        "services",
        "required_documents",
        "required_documents",
        "service_id",
    ),
    ("services", "contacts", "contacts", "service_id"),
    ("services", "phones", "phones", "service_id"),
    ("services", "attributes", "attributes", "link_id"),
    ("contacts", "phones", "phones", "contact_id"),
    ("locations", "addresses", "addresses", "location_id"),
    ("locations", "accessibility", "accessibility", "location_id"),
    (
        "organizations",
        "organization_identifiers",
        "organization_identifiers",
        "organization_id",
    ),
    (
        "service_at_location",
        "phones",
        "phones",
        "service_at_location_id",
    ),
    (
        "service_at_location",
        "schedules",
        "schedules",
        "service_at_location_id",
    ),
];

/// (parent table, field, child table, the parent's column naming the child).
const SINGLES: [(&str, &str, &str, &str); 4] = [
    (
        "services",
        "organization",
        "organizations",
        "organization_id",
    ),
    ("services", "program", "programs", "program_id"),
    (
        "service_at_location",
        "location",
        "locations",
        "location_id",
    ),
    (
        "attributes",
        "taxonomy_term",
        "taxonomy_terms",
        "taxonomy_term_id",
    ),
];

/// The package's services as nested records, the row each came from, and the rows no
/// record carries (kept as received).
pub struct Nested {
    pub services: Vec<(usize, Value)>,
    pub extras: Package,
}

pub fn nest(package: &Package) -> Result<Nested, Vec<PackageError>> {
    let mut errors = Vec::new();
    let all: BTreeMap<&str, Records> = package
        .iter()
        .map(|(name, t)| (name.as_str(), records(name, t, &mut errors)))
        .collect();
    // Children of each table, by parent id, in row order.
    let mut children: HashMap<(&str, &str, String), Vec<String>> = HashMap::new();
    for (parent, field, child, column) in CHILDREN {
        if let Some(rows) = all.get(child) {
            for id in &rows.order {
                let record = &rows.by_id[id].1;
                if let Some(parent_id) = record.get(column).and_then(Value::as_str) {
                    children
                        .entry((parent, field, parent_id.to_string()))
                        .or_default()
                        .push(id.clone());
                }
            }
        }
    }
    for (id, (line, record)) in all
        .get("service_at_location")
        .map(|r| r.by_id.iter())
        .into_iter()
        .flatten()
    {
        for (column, table) in [("service_id", "services"), ("location_id", "locations")] {
            match record.get(column).and_then(Value::as_str) {
                Some(target) if all.get(table).is_some_and(|t| t.by_id.contains_key(target)) => {}
                Some(target) => errors.push(problem(
                    "service_at_location.csv",
                    Some(*line),
                    column,
                    format!("no {table} row has the id {target:?} (service at location {id})"),
                )),
                None => errors.push(problem(
                    "service_at_location.csv",
                    Some(*line),
                    column,
                    "must not be empty",
                )),
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut used: HashSet<(String, String)> = HashSet::new();
    let mut services = Vec::new();
    if let Some(rows) = all.get("services") {
        for id in &rows.order {
            let (line, _) = rows.by_id[id];
            let record = build("services", id, &all, &children, &mut used, 0);
            services.push((line, record));
        }
    }
    let mut extras = Package::new();
    for (name, table) in package {
        let id_at = table.columns.iter().position(|c| c == "id");
        let rows: Vec<Vec<String>> = table
            .rows
            .iter()
            .filter(|row| {
                id_at
                    .and_then(|i| row.get(i))
                    .is_none_or(|id| !used.contains(&(name.clone(), id.clone())))
            })
            .cloned()
            .collect();
        extras.insert(
            name.clone(),
            Table {
                columns: table.columns.clone(),
                rows,
            },
        );
    }
    Ok(Nested { services, extras })
}

fn build(
    table: &str,
    id: &str,
    all: &BTreeMap<&str, Records>,
    children: &HashMap<(&str, &str, String), Vec<String>>,
    used: &mut HashSet<(String, String)>,
    depth: usize,
) -> Value {
    let Some((_, record)) = all.get(table).and_then(|r| r.by_id.get(id)) else {
        return Value::Null;
    };
    used.insert((table.to_string(), id.to_string()));
    let mut record = record.clone();
    if depth > 4 {
        return Value::Object(record);
    }
    for (parent, field, child, column) in SINGLES {
        if parent == table {
            if let Some(target) = record
                .get(column)
                .and_then(Value::as_str)
                .map(str::to_string)
            {
                let nested = build(child, &target, all, children, used, depth + 1);
                if !nested.is_null() {
                    record.insert(field.to_string(), nested);
                }
            }
        }
    }
    for (parent, field, child, _) in CHILDREN {
        if parent == table {
            if let Some(ids) = children.get(&(parent, field, id.to_string())) {
                let list: Vec<Value> = ids
                    .iter()
                    .map(|c| build(child, c, all, children, used, depth + 1))
                    .collect();
                record.insert(field.to_string(), Value::Array(list));
            }
        }
    }
    Value::Object(record)
}

/// Flattens service records back into tables (each row once, by id), adds the kept
/// extra rows, and orders columns as `columns` says (HSDS order for new tables).
pub fn flatten(
    services: &[&Value],
    extras: &Package,
    columns: &BTreeMap<String, Vec<String>>,
) -> Package {
    let mut rows: BTreeMap<String, Vec<Map<String, Value>>> = BTreeMap::new();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    for service in services {
        walk("services", service, None, &mut rows, &mut seen);
    }
    let mut package = Package::new();
    for (name, defaults) in TABLES {
        let kept = extras.get(name);
        let records = rows.remove(name).unwrap_or_default();
        if records.is_empty()
            && kept.is_none_or(|t| t.rows.is_empty())
            && !columns.contains_key(name)
        {
            continue;
        }
        let mut header: Vec<String> = columns
            .get(name)
            .cloned()
            .or_else(|| kept.map(|t| t.columns.clone()))
            .unwrap_or_else(|| defaults.iter().map(|c| c.to_string()).collect());
        for record in &records {
            for key in record.keys() {
                if !header.contains(key) {
                    header.push(key.clone());
                }
            }
        }
        let mut table_rows: Vec<Vec<String>> = records
            .iter()
            .map(|r| {
                header
                    .iter()
                    .map(|c| r.get(c).map_or(String::new(), cell))
                    .collect()
            })
            .collect();
        if let Some(kept) = kept {
            for row in &kept.rows {
                table_rows.push(
                    header
                        .iter()
                        .map(|c| {
                            kept.columns
                                .iter()
                                .position(|k| k == c)
                                .and_then(|i| row.get(i))
                                .cloned()
                                .unwrap_or_default()
                        })
                        .collect(),
                );
            }
        }
        package.insert(
            name.to_string(),
            Table {
                columns: header,
                rows: table_rows,
            },
        );
    }
    package
}

fn cell(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The column a child names its parent by, when the child is flattened under it.
fn parent_column(parent: &str, field: &str) -> Option<&'static str> {
    CHILDREN
        .iter()
        .find(|(p, f, _, _)| *p == parent && *f == field)
        .map(|(_, _, _, c)| *c)
}

fn walk(
    table: &str,
    value: &Value,
    parent: Option<(&str, &str, &str)>,
    rows: &mut BTreeMap<String, Vec<Map<String, Value>>>,
    seen: &mut HashSet<(String, String)>,
) {
    let Some(object) = value.as_object() else {
        return;
    };
    let mut row: Map<String, Value> = object
        .iter()
        .filter(|(_, v)| !v.is_array() && !v.is_object())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some((parent_table, field, parent_id)) = parent {
        if let Some(column) = parent_column(parent_table, field) {
            row.entry(column.to_string())
                .or_insert_with(|| Value::String(parent_id.to_string()));
        }
        if table == "attributes" {
            row.entry("link_entity".to_string())
                .or_insert_with(|| Value::String("service".into()));
        }
    }
    let id = row.get("id").map(cell).unwrap_or_default();
    for (parent_table, field, child, column) in SINGLES {
        if parent_table == table {
            if let Some(nested) = object.get(field) {
                if let Some(child_id) = nested.get("id") {
                    row.entry(column.to_string())
                        .or_insert_with(|| child_id.clone());
                }
                walk(child, nested, None, rows, seen);
            }
        }
    }
    for (parent_table, field, child, _) in CHILDREN {
        if parent_table == table {
            for item in object
                .get(field)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                walk(child, item, Some((table, field, &id)), rows, seen);
            }
        }
    }
    if seen.insert((table.to_string(), id)) {
        rows.entry(table.to_string()).or_default().push(row);
    }
}

/// Checks the nested records as a feed's are; problems name the services.csv row.
pub fn listings(nested: &Nested) -> Result<Vec<super::feed::Listing>, Vec<PackageError>> {
    let mut listings = Vec::new();
    let mut errors = Vec::new();
    for (line, document) in &nested.services {
        let id = document.get("id").and_then(Value::as_str).unwrap_or("");
        let at = |field: String, message: String| {
            problem(
                "services.csv",
                Some(*line),
                &field,
                format!("{message} (service {id:?})"),
            )
        };
        match serde_path_to_error::deserialize::<_, super::hsds::Service>(document) {
            Err(e) => {
                let path = e.path().to_string();
                errors.push(at(
                    if path == "." { String::new() } else { path },
                    e.into_inner().to_string(),
                ));
            }
            Ok(service) => match service.check() {
                Err((field, message)) => errors.push(at(field, message)),
                Ok(()) => listings.push(super::feed::Listing {
                    service,
                    document: document.clone(),
                }),
            },
        }
    }
    if errors.is_empty() {
        Ok(listings)
    } else {
        Err(errors)
    }
}

/// Writes a package folder: one CSV per table.
pub fn write(package: &Package, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, table) in package {
        let mut out = csv::Writer::from_path(dir.join(format!("{name}.csv")))?;
        out.write_record(&table.columns)?;
        for row in &table.rows {
            out.write_record(row)?;
        }
        out.flush()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    proptest! {
        /// Whatever the cells hold, nesting and checking answer records or problems.
        #[test]
        fn any_cells_nest_without_panicking(cells in proptest::collection::vec(
            ("[a-c]{0,2}", "[a-c]{0,2}", "[a-c0-9.]{0,3}", prop_oneof![Just("active".to_string()), "[a-z ]{0,6}"]), 0..12)) {
            let mut package = Package::new();
            package.insert("services".into(), Table {
                columns: vec!["id".into(), "organization_id".into(), "minimum_age".into(), "status".into(), "name".into()],
                rows: cells.iter().map(|(id, org, age, status)| vec![id.clone(), org.clone(), age.clone(), status.clone(), "n".into()]).collect(),
            });
            package.insert("service_at_location".into(), Table {
                columns: vec!["id".into(), "service_id".into(), "location_id".into()],
                rows: cells.iter().map(|(id, org, _, _)| vec![format!("p{id}"), id.clone(), org.clone()]).collect(),
            });
            if let Ok(nested) = nest(&package) {
                let _ = listings(&nested);
            }
        }
    }

    #[test]
    fn a_json_feed_flattens_into_linked_tables_and_nests_back() {
        let service = json!({
            "id": "s1", "name": "Walking group", "status": "active", "minimum_age": 18,
            "organization": {"id": "o1", "name": "Green Paths", "description": "Walks"},
            "schedules": [{"id": "sc1", "byday": "MO", "opens_at": "10:00"}],
            "service_at_locations": [{"id": "sal1", "location": {"id": "l1", "location_type": "physical",
                "latitude": 52.45, "addresses": [{"id": "a1", "address_1": "1 Road", "city": "Birmingham",
                "state_province": "West Midlands", "postal_code": "B25 8DS", "country": "GB", "address_type": "physical"}]}}],
            "attributes": [{"id": "at1", "taxonomy_term": {"id": "t1", "name": "Activity", "description": "d"}}],
        });
        let tables = flatten(&[&service], &Package::new(), &BTreeMap::new());
        let row = |table: &str, column: &str| {
            let t = &tables[table];
            let at = t.columns.iter().position(|c| c == column).unwrap();
            t.rows[0][at].clone()
        };
        assert_eq!(row("services", "organization_id"), "o1");
        assert_eq!(row("schedules", "service_id"), "s1");
        assert_eq!(row("service_at_location", "location_id"), "l1");
        assert_eq!(row("addresses", "location_id"), "l1");
        assert_eq!(row("attributes", "link_id"), "s1");
        assert_eq!(row("attributes", "taxonomy_term_id"), "t1");
        assert_eq!(row("locations", "latitude"), "52.45");
        let nested = nest(&tables).unwrap();
        let again = &nested.services[0].1;
        assert_eq!(again["organization"]["name"], "Green Paths");
        assert_eq!(
            again["service_at_locations"][0]["location"]["addresses"][0]["postal_code"],
            "B25 8DS"
        );
        assert_eq!(again["attributes"][0]["taxonomy_term"]["id"], "t1");
        assert_eq!(again["minimum_age"], 18);
        assert!(
            nested.extras.values().all(|t| t.rows.is_empty()),
            "every row is carried by the service"
        );
    }
}
