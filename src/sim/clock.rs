//! Virtual time: [`SimTime`] is milliseconds since a fixed epoch ([`EPOCH_UNIX_S`]).
//!
//! Nothing in the simulation reads the wall clock; the browser (or a script) decides how fast
//! simulated time passes by calling `World::step(dt_ms)`.
//!
//! ```
//! use kubesim::sim::clock::SimTime;
//! assert_eq!(SimTime::from_ms(90_000).rfc3339(), "2026-01-05T09:01:30Z");
//! ```

/// The simulation starts on Monday 2026-01-05 09:00:00 UTC (a class morning).
pub const EPOCH_UNIX_S: i64 = 1_767_603_600;

/// A point in simulated time, in milliseconds since [`EPOCH_UNIX_S`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);

    pub fn from_ms(ms: u64) -> Self {
        SimTime(ms)
    }
    pub fn as_ms(self) -> u64 {
        self.0
    }
    pub fn plus_ms(self, ms: u64) -> Self {
        SimTime(self.0.saturating_add(ms))
    }
    /// Milliseconds from `earlier` to `self` (0 if `earlier` is later).
    pub fn since_ms(self, earlier: SimTime) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
    /// Seconds since the Unix epoch, as Kubernetes timestamps count them.
    pub fn unix_s(self) -> i64 {
        EPOCH_UNIX_S + (self.0 / 1000) as i64
    }
    /// `2026-01-05T09:00:00Z`, the format of `metadata.creationTimestamp`.
    pub fn rfc3339(self) -> String {
        format_unix_s(self.unix_s())
    }
    /// Parses an RFC 3339 UTC timestamp back (only the `...Z` form Kubernetes writes).
    pub fn parse_rfc3339(s: &str) -> Option<SimTime> {
        let unix = parse_unix_s(s)?;
        let ms = (unix - EPOCH_UNIX_S).checked_mul(1000)?;
        u64::try_from(ms).ok().map(SimTime)
    }
}

/// Formats seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_unix_s(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

fn parse_unix_s(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[19] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se)
}

// Howard Hinnant's civil calendar algorithms (public domain), proleptic Gregorian.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_is_the_documented_monday_morning() {
        assert_eq!(SimTime::ZERO.rfc3339(), "2026-01-05T09:00:00Z");
        assert_eq!(format_unix_s(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_unix_s(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn rfc3339_round_trips() {
        for ms in [0u64, 1_000, 86_399_000, 400 * 86_400_000] {
            let t = SimTime::from_ms(ms);
            assert_eq!(SimTime::parse_rfc3339(&t.rfc3339()), Some(t));
        }
        assert_eq!(SimTime::parse_rfc3339("2026-13-01T00:00:00Z"), None);
        assert_eq!(SimTime::parse_rfc3339("garbage"), None);
        assert_eq!(SimTime::parse_rfc3339("2020-01-01T00:00:00Z"), None); // before the epoch
    }
}
