//! Fast multi-row inserts for generated data (the synthetic care system): rows are buffered
//! per table and written in statements of a few thousand parameters, well within both
//! SQLite's and PostgreSQL's limits.
//!
//! Why here: it is SQL, and SQL lives in the store. The generator builds typed rows
//! ([`rows`]), whose field names are the column names, so a table's column list is written
//! once (in its row type) and the compiler makes every producer fill a new column.

pub mod rows;

use super::{on_writer, Backend, Store, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};

/// One cell. Nulls keep their type, because PostgreSQL checks parameter types.
#[derive(Debug, Clone)]
pub enum Value {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
    /// A coded value or fixed wording: bound without copying.
    Code(Option<&'static str>),
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
value_from!(&'static str, Code, |v| v);
value_from!(NaiveDate, Date, |v| v);
value_from!(DateTime<Utc>, Time, |v| v);

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

/// A row of one table: its name, its columns, and its cells in that order.
pub trait BulkRow: Send {
    const TABLE: &'static str;
    const COLUMNS: &'static [&'static str];
    /// Appends the cells, one per column of [`BulkRow::COLUMNS`].
    fn push_values(self, out: &mut Vec<Value>);
}

/// Rows waiting to be written to one table, and how many were written so far.
pub struct Rows<R> {
    pending: Vec<R>,
    written: u64,
}

impl<R: BulkRow> Default for Rows<R> {
    fn default() -> Self {
        Rows {
            pending: Vec::new(),
            written: 0,
        }
    }
}

impl<R: BulkRow> Rows<R> {
    pub fn push(&mut self, row: R) {
        self.pending.push(row);
    }

    /// Rows written by [`Store::insert_rows`] so far.
    pub fn written(&self) -> u64 {
        self.written
    }
}

/// A table's buffer seen without its row type, so one transaction can write several.
pub trait PendingRows: Send {
    fn table(&self) -> &'static str;
    fn columns(&self) -> &'static [&'static str];
    /// Takes the buffered rows as cells, row after row; returns how many rows they are.
    fn take_values(&mut self) -> (usize, Vec<Value>);
    fn count_written(&mut self, rows: usize);
    /// Rows written so far.
    fn written(&self) -> u64;
}

impl<R: BulkRow> PendingRows for Rows<R> {
    fn table(&self) -> &'static str {
        R::TABLE
    }

    fn columns(&self) -> &'static [&'static str] {
        R::COLUMNS
    }

    fn take_values(&mut self) -> (usize, Vec<Value>) {
        let rows = std::mem::take(&mut self.pending);
        let mut values = Vec::with_capacity(rows.len() * R::COLUMNS.len());
        let count = rows.len();
        for row in rows {
            row.push_values(&mut values);
        }
        debug_assert_eq!(values.len(), count * R::COLUMNS.len(), "{}", R::TABLE);
        (count, values)
    }

    fn count_written(&mut self, rows: usize) {
        self.written += rows as u64;
    }

    fn written(&self) -> u64 {
        self.written
    }
}

impl Store {
    /// Writes every buffered row of the tables, in the order given (parents before
    /// children), in one transaction. Unaudited: only for generated, synthetic data.
    pub async fn insert_rows(&self, tables: &mut [&mut dyn PendingRows]) -> StoreResult<()> {
        let numbered = self.backend() == Backend::Postgres;
        on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            for table in tables.iter_mut() {
                let columns = table.columns();
                let per_statement = (PARAMETERS_PER_STATEMENT / columns.len()).max(1);
                let (mut remaining, values) = table.take_values();
                let mut values = values.into_iter();
                while remaining > 0 {
                    let rows = remaining.min(per_statement);
                    let sql = insert_sql(table.table(), columns, rows, numbered);
                    let mut query = sqlx::query(&sql);
                    for value in values.by_ref().take(rows * columns.len()) {
                        query = match value {
                            Value::Int(v) => query.bind(v),
                            Value::Real(v) => query.bind(v),
                            Value::Text(v) => query.bind(v),
                            Value::Code(v) => query.bind(v),
                            Value::Bool(v) => query.bind(v),
                            Value::Date(v) => query.bind(v),
                            Value::Time(v) => query.bind(v),
                        };
                    }
                    query.execute(&mut *tx).await?;
                    table.count_written(rows);
                    remaining -= rows;
                }
            }
            tx.commit().await?;
        });
        Ok(())
    }
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
