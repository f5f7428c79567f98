//! The identity-sdk rule's signatures and outflow's entity data agree:
//! every host a signature names (`data/detect/identity-sdks.toml`, the
//! table the rule compiles in) has an owner in the entity data, and that
//! owner is the operator the signature names. A signature host whose owner
//! no source meeting `data/README.md`'s standard has confirmed is listed
//! below and in `data/README.md`, and the test fails as soon as the data
//! learn its owner, so the list only shrinks.

use outflow_intel::{Intel, IntelOptions, IpDataSource};
use serde::Deserialize;

/// The same file `rules/identity_sdk.rs` compiles in.
const SIGNATURES: &str = include_str!("../../../data/detect/identity-sdks.toml");
const DATA_README: &str = include_str!("../../../data/README.md");

/// Signature hosts left out of the entity data because no qualifying
/// source was found (each is listed in `data/README.md` with the reason).
const OWNER_NOT_YET_SOURCED: &[&str] = &[
    "id6.me",
    "wostore.cn",
    "wosms.cn",
    "onfido.com",
    "jumio.com",
    "netverify.com",
];

#[derive(Deserialize)]
struct SignatureFile {
    sdk: Vec<Signature>,
}

#[derive(Deserialize)]
struct Signature {
    name: String,
    operator: Option<String>,
    #[serde(default)]
    hosts: Vec<String>,
}

fn signatures() -> Vec<Signature> {
    toml::from_str::<SignatureFile>(SIGNATURES)
        .expect("the identity-SDK signatures parse")
        .sdk
}

fn intel() -> Intel {
    Intel::load(&IntelOptions {
        ip_data: IpDataSource::Disabled,
        ..IntelOptions::default()
    })
    .expect("built-in data load")
}

/// Whether the signature's operator names the entity: its name or one of
/// its aliases appears in the operator, or the operator in its name
/// (case-insensitive), e.g. "JIGUANG (Aurora Mobile)" and the entity
/// Jiguang (alias "JIGUANG").
fn operator_names(operator: &str, entity: &outflow_model::Entity) -> bool {
    let operator = operator.to_lowercase();
    std::iter::once(&entity.name)
        .chain(&entity.aliases)
        .map(|name| name.to_lowercase())
        .any(|name| operator.contains(&name) || name.contains(&operator))
}

#[test]
fn every_signature_host_has_an_owner_in_the_entity_data() {
    let intel = intel();
    let mut unknown = Vec::new();
    for signature in signatures() {
        for host in &signature.hosts {
            if OWNER_NOT_YET_SOURCED.contains(&host.as_str()) {
                continue;
            }
            if intel.lookup(host, None).entity.is_none() {
                unknown.push(format!("{host} ({})", signature.name));
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "signature hosts whose owner the entity data do not know (add the owner to \
         data/entities with a source, or list the host in data/README.md and in \
         OWNER_NOT_YET_SOURCED with the reason): {unknown:?}"
    );
}

#[test]
fn the_owner_of_each_signature_host_is_the_operator_the_signature_names() {
    let intel = intel();
    let mut disagreements = Vec::new();
    for signature in signatures() {
        let Some(operator) = &signature.operator else {
            continue;
        };
        for host in &signature.hosts {
            if let Some(entity) = intel.lookup(host, None).entity
                && !operator_names(operator, &entity)
            {
                disagreements.push(format!(
                    "{host}: signature {:?} says {operator:?}, the entity data say {:?}",
                    signature.name, entity.name
                ));
            }
        }
    }
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}

#[test]
fn hosts_left_unsourced_are_still_unknown_and_documented() {
    let intel = intel();
    let named: Vec<String> = signatures().into_iter().flat_map(|s| s.hosts).collect();
    for host in OWNER_NOT_YET_SOURCED {
        assert!(
            named.iter().any(|h| h == host),
            "{host} is no longer in any signature: drop it from OWNER_NOT_YET_SOURCED"
        );
        assert!(
            intel.lookup(host, None).entity.is_none(),
            "{host} now has an owner in the entity data: drop it from \
             OWNER_NOT_YET_SOURCED and from data/README.md's list"
        );
        assert!(
            DATA_README.contains(&format!("`{host}`")),
            "{host} is not listed in data/README.md with the reason it is left out"
        );
    }
}
