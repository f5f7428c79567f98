//! The one way outflow writes a moment: RFC 3339 in UTC, to the second
//! (`2026-11-29T08:00:00Z`), as captures' and scans' start times are
//! stored, so that they also compare as text.

use std::time::SystemTime;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// `moment` as RFC 3339 UTC to the second. Moments before 1970 or after
/// what RFC 3339 can write (year 9999) are written as the epoch: never a
/// panic (`OffsetDateTime::from(SystemTime)` would panic on them).
pub fn rfc3339(moment: SystemTime) -> String {
    let seconds = moment
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    i64::try_from(seconds)
        .ok()
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string())
}

/// The UTC calendar date of `moment` (`2026-11-29`), as sources are dated.
pub fn date(moment: SystemTime) -> String {
    let mut text = rfc3339(moment);
    text.truncate(10);
    text
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn moments_are_rfc3339_utc_to_the_second() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_795_824_000_000 + 3_661_500);
        assert_eq!(rfc3339(t), "2026-11-28T01:01:01Z");
        assert_eq!(rfc3339(SystemTime::UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let leap = SystemTime::UNIX_EPOCH + Duration::from_secs(1_709_164_800);
        assert_eq!(rfc3339(leap), "2024-02-29T00:00:00Z");
        // Out of range either way: the epoch, no panic.
        let far = Duration::from_secs(u64::MAX / 4);
        assert_eq!(
            rfc3339(
                SystemTime::UNIX_EPOCH
                    .checked_sub(far)
                    .unwrap_or(SystemTime::UNIX_EPOCH)
            ),
            "1970-01-01T00:00:00Z"
        );
        let day = |days: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(days * 86_400);
        assert_eq!(date(day(0)), "1970-01-01");
        assert_eq!(date(day(20_606)), "2026-06-02");
        assert_eq!(date(day(11_016)), "2000-02-29");
        if let Some(future) = SystemTime::UNIX_EPOCH.checked_add(far) {
            assert_eq!(rfc3339(future), "1970-01-01T00:00:00Z");
        }
    }
}
