//! The differences between the two engines' SQL, all in one place. Every
//! statement of the crawl (schema, queue, statistics) is written once,
//! with `$1`-style placeholders and these tokens, and rendered for an
//! engine by [`Dialect::render`]:
//!
//! | token | SQLite | PostgreSQL | why |
//! | --- | --- | --- | --- |
//! | `$N` | `?N` | `$N` | placeholder syntax |
//! | `{NOW}` | `unixepoch('subsec')` | `clock_timestamp()` | ms since the epoch, on the database's clock (the server's for PostgreSQL, so that machines with skewed clocks agree on leases) |
//! | `{ID}` | `INTEGER PRIMARY KEY` | `BIGSERIAL PRIMARY KEY` | SQLite's rowid alias must be spelt exactly `INTEGER` |
//! | `{JSON}` | `TEXT` | `JSONB` | reports stored as JSON |
//! | `{SKIP_LOCKED}` | nothing | `FOR UPDATE OF j SKIP LOCKED` | row locks: concurrent PostgreSQL workers take different jobs without waiting; SQLite has none, and `BEGIN IMMEDIATE` serialises its writers instead |
//!
//! Integer parameters whose type PostgreSQL cannot infer are written
//! `CAST($N AS BIGINT)` (valid on both); BIGINT columns are plain INTEGER
//! on SQLite, whose integers are all 64-bit.

/// One engine's spelling of the tokens.
#[derive(Debug)]
pub(crate) struct Dialect {
    /// `?` for SQLite (`?1`), `$` for PostgreSQL (`$1`).
    placeholder: char,
    now: &'static str,
    id: &'static str,
    json: &'static str,
    skip_locked: &'static str,
    /// Opens a transaction that writes.
    pub begin_write: &'static str,
}

/// SQLite: one machine.
pub(crate) const SQLITE: Dialect = Dialect {
    placeholder: '?',
    now: "CAST(unixepoch('subsec') * 1000 AS INTEGER)",
    id: "INTEGER PRIMARY KEY",
    json: "TEXT",
    skip_locked: "",
    // Takes the write lock before reading, so that two processes can never
    // claim the same job.
    begin_write: "BEGIN IMMEDIATE",
};

/// PostgreSQL: many machines.
pub(crate) const POSTGRES: Dialect = Dialect {
    placeholder: '$',
    now: "CAST(extract(epoch from clock_timestamp()) * 1000 AS BIGINT)",
    id: "BIGSERIAL PRIMARY KEY",
    json: "JSONB",
    skip_locked: "FOR UPDATE OF j SKIP LOCKED",
    begin_write: "BEGIN",
};

impl Dialect {
    /// The statement in this engine's SQL.
    pub(crate) fn render(&self, template: &str) -> String {
        let rendered = template
            .replace("{NOW}", self.now)
            .replace("{ID}", self.id)
            .replace("{JSON}", self.json)
            .replace("{SKIP_LOCKED}", self.skip_locked);
        if self.placeholder == '$' {
            rendered
        } else {
            // No statement has a `$` in a literal.
            rendered.replace('$', &self.placeholder.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_each_dialect() {
        let template =
            "SELECT id FROM jobs j WHERE j.crawl_id = $1 AND lease_until_ms < {NOW} {SKIP_LOCKED}";
        assert_eq!(
            SQLITE.render(template),
            "SELECT id FROM jobs j WHERE j.crawl_id = ?1 AND lease_until_ms < CAST(unixepoch('subsec') * 1000 AS INTEGER) "
        );
        assert_eq!(
            POSTGRES.render(template),
            "SELECT id FROM jobs j WHERE j.crawl_id = $1 AND lease_until_ms < \
             CAST(extract(epoch from clock_timestamp()) * 1000 AS BIGINT) FOR UPDATE OF j SKIP LOCKED"
        );
        assert_eq!(
            SQLITE.render("id {ID}, r {JSON}"),
            "id INTEGER PRIMARY KEY, r TEXT"
        );
        assert_eq!(
            POSTGRES.render("id {ID}, r {JSON}"),
            "id BIGSERIAL PRIMARY KEY, r JSONB"
        );
    }
}
