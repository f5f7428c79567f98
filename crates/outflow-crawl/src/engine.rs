//! What the shared queue code needs of a database connection: run a
//! statement with parameters, read rows back, run a script. Each engine
//! (SQLite, PostgreSQL) implements it in its own file; the queue's
//! statements are written once ([`crate::sql_queue`]).

use crate::dialect::Dialect;
use crate::error::CrawlError;
use crate::queue::Backend;

/// A statement parameter.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Param<'a> {
    /// An integer (bound as the column's integer width on PostgreSQL).
    Int(Option<i64>),
    /// Text.
    Text(Option<&'a str>),
    /// A boolean.
    Bool(bool),
}

impl From<i64> for Param<'_> {
    fn from(value: i64) -> Self {
        Param::Int(Some(value))
    }
}

impl From<Option<i64>> for Param<'_> {
    fn from(value: Option<i64>) -> Self {
        Param::Int(value)
    }
}

impl From<u32> for Param<'_> {
    fn from(value: u32) -> Self {
        Param::Int(Some(i64::from(value)))
    }
}

impl<'a> From<&'a str> for Param<'a> {
    fn from(value: &'a str) -> Self {
        Param::Text(Some(value))
    }
}

impl<'a> From<&'a String> for Param<'a> {
    fn from(value: &'a String) -> Self {
        Param::Text(Some(value))
    }
}

impl<'a> From<Option<&'a str>> for Param<'a> {
    fn from(value: Option<&'a str>) -> Self {
        Param::Text(value)
    }
}

impl<'a> From<&'a Option<String>> for Param<'a> {
    fn from(value: &'a Option<String>) -> Self {
        Param::Text(value.as_deref())
    }
}

impl From<bool> for Param<'_> {
    fn from(value: bool) -> Self {
        Param::Bool(value)
    }
}

/// A column value read back.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// SQL NULL.
    Null,
    /// An integer.
    Int(i64),
    /// Text (and, on SQLite, a real number as text).
    Text(String),
    /// A boolean.
    Bool(bool),
}

impl Value {
    /// The integer, or an error naming what was read.
    pub(crate) fn int(&self) -> Result<i64, CrawlError> {
        match self {
            Value::Int(n) => Ok(*n),
            other => Err(unexpected("an integer", other)),
        }
    }

    /// The text, or an error naming what was read.
    pub(crate) fn text(self) -> Result<String, CrawlError> {
        match self {
            Value::Text(text) => Ok(text),
            other => Err(unexpected("text", &other)),
        }
    }

    /// The text, `None` for NULL.
    pub(crate) fn opt_text(self) -> Result<Option<String>, CrawlError> {
        match self {
            Value::Null => Ok(None),
            other => other.text().map(Some),
        }
    }

    /// Any value as text, `""` for NULL (statistics cells).
    pub(crate) fn into_cell(self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Int(n) => n.to_string(),
            Value::Text(text) => text,
            Value::Bool(b) => b.to_string(),
        }
    }
}

fn unexpected(wanted: &str, got: &Value) -> CrawlError {
    CrawlError::Invalid(format!(
        "the crawl database returned {got:?} where {wanted} was expected"
    ))
}

/// One database connection, used by one thread.
pub(crate) trait Engine: Send {
    /// Which engine this is.
    fn backend(&self) -> Backend;

    /// How this engine spells the shared statements.
    fn dialect(&self) -> &'static Dialect;

    /// Runs a statement (already rendered); returns the rows it changed.
    fn execute(&mut self, sql: &str, params: &[Param<'_>]) -> Result<u64, CrawlError>;

    /// Runs a statement (already rendered) and returns its rows.
    fn query(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Vec<Value>>, CrawlError>;

    /// Runs statements without parameters (`BEGIN`, `COMMIT`, a schema).
    fn batch(&mut self, sql: &str) -> Result<(), CrawlError>;
}
