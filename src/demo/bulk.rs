//! Fast multi-row inserts for the generator: rows are buffered per table and written in
//! statements of up to ~30,000 parameters (within both SQLite's and PostgreSQL's limits).

use crate::store::{on_writer, Backend, Store};
use chrono::{DateTime, NaiveDate, Utc};

/// One cell. Nulls keep their type, because PostgreSQL checks parameter types.
#[derive(Debug, Clone)]
pub enum Value {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
    Bool(bool),
    Date(Option<NaiveDate>),
    Time(Option<DateTime<Utc>>),
}

macro_rules! value_from {
    ($t:ty, $variant:ident, $conv:expr) => {
        impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Value::$variant(Some($conv(v)))
            }
        }
        impl From<Option<$t>> for Value {
            fn from(v: Option<$t>) -> Self {
                Value::$variant(v.map($conv))
            }
        }
    };
}
value_from!(i64, Int, |v| v);
value_from!(i32, Int, |v: i32| v as i64);
value_from!(f64, Real, |v| v);
value_from!(String, Text, |v| v);
value_from!(&str, Text, |v: &str| v.to_string());
value_from!(NaiveDate, Date, |v| v);
value_from!(DateTime<Utc>, Time, |v| v);

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

/// Rows waiting to be written to one table.
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [&'static str],
    pub rows: Vec<Vec<Value>>,
    pub written: u64,
}

impl Table {
    pub fn new(name: &'static str, columns: &'static [&'static str]) -> Table {
        Table {
            name,
            columns,
            rows: Vec::new(),
            written: 0,
        }
    }

    pub fn push(&mut self, row: Vec<Value>) {
        debug_assert_eq!(row.len(), self.columns.len(), "{}", self.name);
        self.rows.push(row);
    }
}

/// Writes every buffered row of the tables, in the order given (parents before children),
/// in one transaction.
pub async fn flush(store: &Store, tables: &mut [&mut Table]) -> anyhow::Result<()> {
    let numbered = store.backend() == Backend::Postgres;
    on_writer!(store, pool => {
        let mut tx = pool.begin_with(crate::store::begin_statement(pool)).await?;
        for table in tables.iter_mut() {
            let per_statement = (PARAMETERS_PER_STATEMENT / table.columns.len()).max(1);
            let rows = std::mem::take(&mut table.rows);
            for chunk in rows.chunks(per_statement) {
                let sql = insert_sql(table.name, table.columns, chunk.len(), numbered);
                let mut query = sqlx::query(&sql);
                for value in chunk.iter().flatten() {
                    query = match value {
                        Value::Int(v) => query.bind(*v),
                        Value::Real(v) => query.bind(*v),
                        Value::Text(v) => query.bind(v.clone()),
                        Value::Bool(v) => query.bind(*v),
                        Value::Date(v) => query.bind(*v),
                        Value::Time(v) => query.bind(*v),
                    };
                }
                query.execute(&mut *tx).await?;
                table.written += chunk.len() as u64;
            }
        }
        tx.commit().await?;
    });
    Ok(())
}

/// Parameters bound per INSERT: well inside both engines' limits, and small enough that
/// statement preparation stays cheap.
const PARAMETERS_PER_STATEMENT: usize = 6_000;

/// PostgreSQL needs numbered parameters; SQLite gets anonymous `?` ones, because binding
/// thousands of named (`$N`) parameters costs SQLite a linear name lookup each.
fn insert_sql(table: &str, columns: &[&str], rows: usize, numbered: bool) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut n = 1;
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..columns.len() {
            if c > 0 {
                sql.push_str(", ");
            }
            if numbered {
                sql.push('$');
                sql.push_str(&n.to_string());
            } else {
                sql.push('?');
            }
            n += 1;
        }
        sql.push(')');
    }
    sql
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_number_across_rows() {
        assert_eq!(
            super::insert_sql("t", &["a", "b"], 2, true),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
        assert_eq!(
            super::insert_sql("t", &["a", "b"], 2, false),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)"
        );
    }
}
