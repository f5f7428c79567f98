//! The data compiled into the binary, so lookups work offline and without
//! the repository: outflow's own sourced table and the imported
//! third-party-web map. `tests/data_schema.rs` checks that every TOML file
//! under `data/` is listed here.

/// `(path under the repository, contents)` of each built-in TOML file.
pub const BUILT_IN_FILES: &[(&str, &str)] = &[
    ("data/lists.toml", include_str!("../../../data/lists.toml")),
    ("data/legal.toml", include_str!("../../../data/legal.toml")),
    (
        "data/entities/cn-carriers.toml",
        include_str!("../../../data/entities/cn-carriers.toml"),
    ),
    (
        "data/entities/cn-tech.toml",
        include_str!("../../../data/entities/cn-tech.toml"),
    ),
    (
        "data/entities/identity-vendors.toml",
        include_str!("../../../data/entities/identity-vendors.toml"),
    ),
];

/// `(path under the repository, contents)` of each imported dataset.
pub const IMPORTED_FILES: &[(&str, &str)] = &[(
    "data/imported/third-party-web.json",
    include_str!("../../../data/imported/third-party-web.json"),
)];
