//! The PostgreSQL engine, for many machines. Claims lock their row with
//! `FOR UPDATE SKIP LOCKED` (the dialect's), so concurrent workers take
//! different jobs without waiting for each other; leases are timed by the
//! server's clock. The schema is created under an advisory lock (workers
//! starting together) and its version kept in the `crawl_schema` table.

use std::collections::HashMap;
use std::time::Duration;

use postgres::types::{ToSql, Type};
use postgres::{Client, NoTls, Row, Statement};

use crate::dialect::{Dialect, POSTGRES};
use crate::engine::{Engine, Param, Value};
use crate::error::CrawlError;
use crate::queue::Backend;
use crate::schema::{MIGRATIONS, SCHEMA_LOCK, SCHEMA_VERSION};

/// Prepared statements kept per connection: the queue's, and the
/// statistics' (a fixed set), so the cache stays small; past this it is
/// emptied.
const STATEMENT_CACHE: usize = 64;

/// A PostgreSQL connection.
pub(crate) struct PostgresEngine {
    client: Client,
    statements: HashMap<String, Statement>,
}

impl PostgresEngine {
    /// Connects and creates or migrates the schema.
    pub(crate) fn connect(url: &str) -> Result<Self, CrawlError> {
        let mut config: postgres::Config = url
            .parse()
            .map_err(|e| CrawlError::Invalid(format!("PostgreSQL URL: {e}")))?;
        config.connect_timeout(Duration::from_secs(10));
        config.application_name("outflow");
        let mut client = config.connect(NoTls)?;
        client.execute("SELECT pg_advisory_lock($1)", &[&SCHEMA_LOCK])?;
        let migrated = migrate(&mut client);
        client.execute("SELECT pg_advisory_unlock($1)", &[&SCHEMA_LOCK])?;
        migrated?;
        Ok(Self {
            client,
            statements: HashMap::new(),
        })
    }

    fn prepare(&mut self, sql: &str) -> Result<Statement, CrawlError> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql)?;
        if self.statements.len() >= STATEMENT_CACHE {
            self.statements.clear();
        }
        self.statements.insert(sql.to_string(), statement.clone());
        Ok(statement)
    }
}

fn migrate(client: &mut Client) -> Result<(), CrawlError> {
    let mut tx = client.transaction()?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS crawl_schema (version BIGINT NOT NULL)")?;
    let version: i64 = tx
        .query_one("SELECT COALESCE(max(version), 0) FROM crawl_schema", &[])?
        .get(0);
    if version > SCHEMA_VERSION {
        return Err(CrawlError::NewerSchema {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    for (from, migration) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
        tx.batch_execute(&POSTGRES.render(migration))?;
        tx.execute(
            "INSERT INTO crawl_schema (version) VALUES ($1)",
            &[&(from as i64 + 1)],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// Binds a parameter as the type the server inferred for it (integers to
/// the column's width).
fn bind<'a>(param: Param<'a>, kind: &Type) -> Result<Box<dyn ToSql + Sync + 'a>, CrawlError> {
    let narrow =
        |n: i64| CrawlError::Invalid(format!("{n} does not fit the database's {kind} column"));
    Ok(match param {
        Param::Int(n) if *kind == Type::INT8 => Box::new(n),
        Param::Int(n) if *kind == Type::INT4 => Box::new(
            n.map(|n| i32::try_from(n).map_err(|_| narrow(n)))
                .transpose()?,
        ),
        Param::Int(n) if *kind == Type::INT2 => Box::new(
            n.map(|n| i16::try_from(n).map_err(|_| narrow(n)))
                .transpose()?,
        ),
        Param::Text(text) => Box::new(text),
        Param::Bool(b) => Box::new(b),
        Param::Int(_) => {
            return Err(CrawlError::Invalid(format!(
                "an integer parameter where the statement wants {kind}"
            )));
        }
    })
}

fn value(row: &Row, i: usize) -> Result<Value, CrawlError> {
    let kind = row.columns()[i].type_();
    let cell = if *kind == Type::INT8 {
        row.try_get::<_, Option<i64>>(i)?.map(Value::Int)
    } else if *kind == Type::INT4 {
        row.try_get::<_, Option<i32>>(i)?
            .map(|n| Value::Int(n.into()))
    } else if *kind == Type::INT2 {
        row.try_get::<_, Option<i16>>(i)?
            .map(|n| Value::Int(n.into()))
    } else if *kind == Type::BOOL {
        row.try_get::<_, Option<bool>>(i)?.map(Value::Bool)
    } else if [Type::TEXT, Type::VARCHAR, Type::BPCHAR, Type::NAME].contains(kind) {
        row.try_get::<_, Option<String>>(i)?.map(Value::Text)
    } else {
        return Err(CrawlError::Invalid(format!(
            "column {i} has type {kind}: cast it to TEXT or BIGINT"
        )));
    };
    Ok(cell.unwrap_or(Value::Null))
}

impl PostgresEngine {
    fn run<T>(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
        call: impl FnOnce(&mut Client, &Statement, &[&(dyn ToSql + Sync)]) -> Result<T, postgres::Error>,
    ) -> Result<T, CrawlError> {
        let statement = self.prepare(sql)?;
        let bound = params
            .iter()
            .zip(statement.params())
            .map(|(param, kind)| bind(*param, kind))
            .collect::<Result<Vec<_>, _>>()?;
        let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|b| b.as_ref()).collect();
        Ok(call(&mut self.client, &statement, &refs)?)
    }
}

impl Engine for PostgresEngine {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    fn dialect(&self) -> &'static Dialect {
        &POSTGRES
    }

    fn execute(&mut self, sql: &str, params: &[Param<'_>]) -> Result<u64, CrawlError> {
        self.run(sql, params, |client, statement, params| {
            client.execute(statement, params)
        })
    }

    fn query(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Vec<Value>>, CrawlError> {
        let rows = self.run(sql, params, |client, statement, params| {
            client.query(statement, params)
        })?;
        rows.iter()
            .map(|row| (0..row.len()).map(|i| value(row, i)).collect())
            .collect()
    }

    fn batch(&mut self, sql: &str) -> Result<(), CrawlError> {
        Ok(self.client.batch_execute(sql)?)
    }
}
