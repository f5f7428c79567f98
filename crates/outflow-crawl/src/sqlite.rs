//! The SQLite engine, for one machine: WAL so that readers never block the
//! writer, a busy timeout so that concurrent processes wait for each other
//! instead of failing, `BEGIN IMMEDIATE` for every write transaction (the
//! dialect's) so that a claim takes the write lock before it reads. The
//! schema version is kept in `PRAGMA user_version`.

use std::path::Path;
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql, TransactionBehavior};

use crate::dialect::{Dialect, SQLITE};
use crate::engine::{Engine, Param, Value};
use crate::error::CrawlError;
use crate::queue::Backend;
use crate::schema::{MIGRATIONS, SCHEMA_VERSION};

/// How long a statement waits for another process's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A SQLite connection.
pub(crate) struct SqliteEngine {
    conn: Connection,
}

impl SqliteEngine {
    /// Opens (creating) the file, in WAL mode, migrated to the current
    /// schema.
    pub(crate) fn open(path: &Path) -> Result<Self, CrawlError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| CrawlError::Io {
                what: format!("creating {}", parent.display()),
                source,
            })?;
        }
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(CrawlError::NewerSchema {
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        for migration in MIGRATIONS.iter().skip(version.max(0) as usize) {
            tx.execute_batch(&SQLITE.render(migration))?;
        }
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        tx.commit()?;
        Ok(Self { conn })
    }
}

impl ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match *self {
            Param::Int(Some(n)) => ToSqlOutput::from(n),
            Param::Text(Some(text)) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
            Param::Int(None) | Param::Text(None) => ToSqlOutput::Borrowed(ValueRef::Null),
            Param::Bool(b) => ToSqlOutput::from(b),
        })
    }
}

fn value(cell: ValueRef<'_>) -> Value {
    match cell {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::Int(n),
        ValueRef::Real(x) => Value::Text(x.to_string()),
        ValueRef::Text(bytes) | ValueRef::Blob(bytes) => {
            Value::Text(String::from_utf8_lossy(bytes).into_owned())
        }
    }
}

impl Engine for SqliteEngine {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    fn dialect(&self) -> &'static Dialect {
        &SQLITE
    }

    fn execute(&mut self, sql: &str, params: &[Param<'_>]) -> Result<u64, CrawlError> {
        let mut statement = self.conn.prepare_cached(sql)?;
        Ok(statement.execute(rusqlite::params_from_iter(params))? as u64)
    }

    fn query(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Vec<Value>>, CrawlError> {
        let mut statement = self.conn.prepare_cached(sql)?;
        let width = statement.column_count();
        let mut rows = statement.query(rusqlite::params_from_iter(params))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(
                (0..width)
                    .map(|i| row.get_ref(i).map(value))
                    .collect::<rusqlite::Result<_>>()?,
            );
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> Result<(), CrawlError> {
        Ok(self.conn.execute_batch(sql)?)
    }
}
