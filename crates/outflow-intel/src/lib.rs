//! Host intelligence for outflow: who is behind a host or an IP address,
//! in which country, under which government lists and laws, each fact with
//! the URL and date of its source.
//!
//! Load once, then look up as often as needed, in memory:
//!
//! ```
//! let intel = outflow_intel::Intel::load(&outflow_intel::IntelOptions::default()).unwrap();
//! let attribution = intel.lookup("https://login.cmpassport.com/x", Some("chat.example"));
//! assert_eq!(attribution.entity.unwrap().name, "China Mobile");
//! assert_eq!(attribution.country.as_deref(), Some("CN"));
//! ```
//!
//! What is loaded, highest precedence first: the user's `--intel DIR` TOML
//! files, outflow's own sourced table (`data/`, compiled in), then imported
//! datasets (a user's `--intel DIR/*.json` from `outflow intel import`,
//! then the compiled-in third-party-web map). A domain of a lower layer is
//! dropped when a higher layer names it or a domain above it, so no domain
//! belongs to two entities. The IP datasets (`scripts/setup` installs
//! them) are read on the first IP lookup; when they are missing, every IP
//! attribution says so in its notes.
//!
//! [`Intel::resolve`] is the allocation-light core (a borrowed view, for
//! hot loops); [`Intel::lookup`] returns the owned, serialisable
//! [`outflow_model::Attribution`].

mod address;
pub mod embedded;
mod error;
mod host;
pub mod import;
mod ipdata;
mod lookup;
pub mod schema;
mod store;
mod validate;

use std::borrow::Cow;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub use address::{AddressScope, classify};
pub use error::IntelError;
pub use host::{InvalidTarget, MAX_INPUT_BYTES, Target, parse_target, registrable_domain};
pub use ipdata::{IP_DATA_ENV, NOTE_IP_DATASET_MISSING, default_ip_data_dir};
pub use lookup::{Resolution, Site};
pub use store::LoadStats;
pub use validate::validate_files;

use crate::ipdata::IpData;
use crate::schema::{ImportedFile, IntelFile};
use crate::store::{Layer, Store};

/// Largest user data file accepted.
const MAX_USER_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Most files read from one `--intel DIR`.
const MAX_USER_FILES: usize = 1_000;

/// Where IP datasets come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum IpDataSource {
    /// `$OUTFLOW_IP_DATA`, else the folder `scripts/setup` installs into.
    #[default]
    Default,
    /// A folder holding `asn/` and `iptoasn-country-mmdb/`.
    Dir(PathBuf),
    /// No IP data: IP attributions carry a note saying so.
    Disabled,
}

/// What to load besides the built-in data.
#[derive(Debug, Clone, Default)]
pub struct IntelOptions {
    /// Folders of TOML files in the built-in schema ([`schema`]); they take
    /// precedence over built-in data.
    pub intel_dirs: Vec<PathBuf>,
    /// Domains (with their subdomains) to treat as first party.
    pub first_party: Vec<String>,
    /// The IP datasets.
    pub ip_data: IpDataSource,
}

/// An entity file already read: its name (for messages; a `.json` name
/// makes it an imported dataset) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFile {
    /// Where it was read from, e.g. `intel/0123abcd/entities.toml`.
    pub origin: String,
    /// Its contents.
    pub text: String,
}

/// Loaded intelligence: immutable, cheap to share between threads.
pub struct Intel {
    store: Store,
    ip_source: IpDataSource,
    ip_data: OnceLock<Result<IpData, String>>,
}

impl Intel {
    /// Loads built-in data and the options' additions. Fails when a file
    /// cannot be read or parsed, or breaks a schema rule (every problem is
    /// listed in the error).
    pub fn load(options: &IntelOptions) -> Result<Intel, IntelError> {
        Intel::load_files(options, &[])
    }

    /// Loads like [`Intel::load`], with `user_files` (already read, by a
    /// caller that decides what may be opened, such as an evidence
    /// bundle's reader) loaded as if they were the files of one more
    /// `--intel` folder after the options' folders: `.json` origins are
    /// imported datasets, the others TOML in the built-in schema. Each
    /// must be at most the size a user's file may have.
    pub fn load_files(
        options: &IntelOptions,
        user_files: &[UserFile],
    ) -> Result<Intel, IntelError> {
        // Each file keeps its text so that problems can name their line.
        let mut files: Vec<(String, Layer, IntelFile, Option<Cow<'static, str>>)> = Vec::new();
        let mut imported = Vec::new();
        let mut read = Vec::new();
        for dir in &options.intel_dirs {
            for path in data_files(dir, "json")? {
                read.push((path.display().to_string(), read_user_file(&path)?));
            }
            for path in data_files(dir, "toml")? {
                read.push((path.display().to_string(), read_user_file(&path)?));
            }
        }
        for file in user_files {
            if file.text.len() as u64 > MAX_USER_FILE_BYTES {
                return Err(IntelError::TooLarge {
                    path: PathBuf::from(&file.origin),
                    size: file.text.len() as u64,
                    limit: MAX_USER_FILE_BYTES,
                });
            }
            read.push((file.origin.clone(), file.text.clone()));
        }
        for (origin, text) in read {
            if origin.ends_with(".json") {
                imported.push(
                    serde_json::from_str::<ImportedFile>(&text).map_err(|error| {
                        IntelError::Parse {
                            origin: origin.clone(),
                            message: error.to_string(),
                        }
                    })?,
                );
            } else {
                let file = parse_toml(&origin, &text)?;
                files.push((origin, Layer::User, file, Some(Cow::Owned(text))));
            }
        }
        let mut extra = IntelFile::default();
        for domain in &options.first_party {
            match parse_target(domain) {
                Ok(Target::Host(host)) => extra.first_party.push(host.into_owned()),
                _ => {
                    return Err(IntelError::Invalid {
                        problems: vec![format!("--first-party {domain:?} is not a domain name")],
                    });
                }
            }
        }
        files.push(("--first-party".into(), Layer::User, extra, None));
        for (origin, text) in embedded::BUILT_IN_FILES {
            files.push((
                (*origin).to_owned(),
                Layer::BuiltIn,
                parse_toml(origin, text)?,
                Some(Cow::Borrowed(*text)),
            ));
        }
        for (origin, text) in embedded::IMPORTED_FILES {
            imported.push(serde_json::from_str::<ImportedFile>(text).map_err(|error| {
                IntelError::Parse {
                    origin: (*origin).to_owned(),
                    message: error.to_string(),
                }
            })?);
        }

        let layered: Vec<validate::LayerFile<'_>> = files
            .iter()
            .map(|(origin, layer, file, text)| validate::LayerFile {
                layer: *layer as u8,
                origin,
                file,
                text: text.as_deref(),
            })
            .collect();
        let problems = validate::validate_layers(&layered);
        if !problems.is_empty() {
            return Err(IntelError::Invalid { problems });
        }
        let layered: Vec<(Layer, IntelFile)> = files
            .into_iter()
            .map(|(_, layer, file, _)| (layer, file))
            .collect();
        Ok(Intel {
            store: Store::build(&layered, &imported),
            ip_source: options.ip_data.clone(),
            ip_data: OnceLock::new(),
        })
    }

    /// What was loaded.
    pub fn stats(&self) -> &LoadStats {
        &self.store.stats
    }

    /// Loads the IP datasets now rather than on the first IP lookup.
    /// Returns why they are unavailable, if they are.
    pub fn ip_data_status(&self) -> Result<(usize, usize), String> {
        self.ip_data().map(IpData::range_counts)
    }

    /// The organisation the installed ASN dataset names for `asn`, and the
    /// id of the entity our data map it to. Err says why the dataset is
    /// unavailable.
    pub fn asn(&self, asn: u32) -> Result<(Option<&str>, Option<&str>), String> {
        let organisation = self.ip_data()?.organisation(asn);
        let entity = self
            .store
            .asns
            .get(&asn)
            .map(|index| self.store.entities[*index as usize].entity.id.as_str());
        Ok((organisation, entity))
    }

    fn ip_data(&self) -> Result<&IpData, String> {
        self.ip_data
            .get_or_init(|| {
                let dir = match &self.ip_source {
                    IpDataSource::Disabled => return Err("IP datasets disabled".into()),
                    IpDataSource::Default => default_ip_data_dir(),
                    IpDataSource::Dir(dir) => dir.clone(),
                };
                if !dir.join("asn").is_dir() || !dir.join("iptoasn-country-mmdb").is_dir() {
                    return Err(NOTE_IP_DATASET_MISSING.into());
                }
                IpData::load(&dir)
                    .map_err(|error| format!("IP dataset unusable ({error}): run scripts/setup"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

fn parse_toml(origin: &str, text: &str) -> Result<IntelFile, IntelError> {
    toml::from_str(text).map_err(|error| IntelError::Parse {
        origin: origin.to_owned(),
        message: error.to_string(),
    })
}

/// The files of one extension in a `--intel DIR`: `toml` files are in the
/// built-in schema, `json` files are imported datasets.
fn data_files(dir: &Path, extension: &str) -> Result<Vec<PathBuf>, IntelError> {
    let read_error = |source| IntelError::Read {
        path: dir.to_owned(),
        source,
    };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_error)? {
        let path = entry.map_err(read_error)?.path();
        if path.extension().is_some_and(|ext| ext == extension) && path.is_file() {
            paths.push(path);
            if paths.len() > MAX_USER_FILES {
                return Err(IntelError::Invalid {
                    problems: vec![format!(
                        "{} holds more than {MAX_USER_FILES} .{extension} files",
                        dir.display()
                    )],
                });
            }
        }
    }
    paths.sort();
    Ok(paths)
}

fn read_user_file(path: &Path) -> Result<String, IntelError> {
    let read_error = |source| IntelError::Read {
        path: path.to_owned(),
        source,
    };
    let size = std::fs::metadata(path).map_err(read_error)?.len();
    if size > MAX_USER_FILE_BYTES {
        return Err(IntelError::TooLarge {
            path: path.to_owned(),
            size,
            limit: MAX_USER_FILE_BYTES,
        });
    }
    // The size a file claims is not always what it holds (`/proc` files
    // claim 0 bytes): read no more than the limit.
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_USER_FILE_BYTES + 1).read_to_string(&mut text))
        .map_err(read_error)?;
    if text.len() as u64 > MAX_USER_FILE_BYTES {
        return Err(IntelError::TooLarge {
            path: path.to_owned(),
            size: text.len() as u64,
            limit: MAX_USER_FILE_BYTES,
        });
    }
    Ok(text)
}
