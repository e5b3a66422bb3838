//! Resource quantities (`100m`, `4`, `128Mi`, `8025424Ki`, `1e3`) as integers.
//!
//! The scheduler and kubelet compare CPU in millicores and everything else in base units
//! (bytes, pods), like `resource.Quantity.MilliValue()` / `.Value()` upstream.
//!
//! ```
//! use kubesim::sim::quantity::{parse_milli, parse_value};
//! assert_eq!(parse_milli("250m"), Some(250));
//! assert_eq!(parse_milli("2"), Some(2000));
//! assert_eq!(parse_value("128Mi"), Some(128 * 1024 * 1024));
//! ```

/// Parses a quantity and returns it ×1000 (CPU millicores). Rounds up like Kubernetes.
pub fn parse_milli(s: &str) -> Option<i64> {
    let (num, mul_num, mul_den) = split(s)?;
    scale(num, mul_num.checked_mul(1000)?, mul_den)
}

/// Parses a quantity into base units (bytes for memory), rounding up.
pub fn parse_value(s: &str) -> Option<i64> {
    let (num, mul_num, mul_den) = split(s)?;
    scale(num, mul_num, mul_den)
}

/// `(number, multiplier numerator, multiplier denominator)`.
fn split(s: &str) -> Option<(&str, i64, i64)> {
    let s = s.trim();
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(s.len());
    let (num, suffix) = s.split_at(end);
    if num.is_empty() {
        return None;
    }
    let (n, d): (i64, i64) = match suffix {
        "" => (1, 1),
        "m" => (1, 1000),
        "u" => (1, 1_000_000),
        "n" => (1, 1_000_000_000),
        "k" => (1_000, 1),
        "M" => (1_000_000, 1),
        "G" => (1_000_000_000, 1),
        "T" => (1_000_000_000_000, 1),
        "P" => (1_000_000_000_000_000, 1),
        "Ki" => (1 << 10, 1),
        "Mi" => (1 << 20, 1),
        "Gi" => (1 << 30, 1),
        "Ti" => (1 << 40, 1),
        "Pi" => (1 << 50, 1),
        e if e.starts_with(['e', 'E']) => {
            let exp: u32 = e[1..].parse().ok()?;
            (10i64.checked_pow(exp)?, 1)
        }
        _ => return None,
    };
    Some((num, n, d))
}

fn scale(num: &str, mul: i64, den: i64) -> Option<i64> {
    let neg = num.starts_with('-');
    let num = num.trim_start_matches(['+', '-']);
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) || frac.len() > 9 {
        return None;
    }
    let int_v: i128 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let frac_v: i128 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    let frac_den: i128 = 10i128.pow(frac.len() as u32);
    let total_num = (int_v * frac_den + frac_v) * i128::from(mul);
    let total_den = frac_den * i128::from(den);
    let v = (total_num + total_den - 1) / total_den;
    let v = if neg { -v } else { v };
    i64::try_from(v).ok()
}

/// Formats millicores the way kubectl shows them (`250m`, `2`).
pub fn format_milli(m: i64) -> String {
    if m % 1000 == 0 {
        (m / 1000).to_string()
    } else {
        format!("{m}m")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_table() {
        for (s, milli, value) in [
            ("100m", Some(100), Some(1)),
            ("1", Some(1000), Some(1)),
            ("0.5", Some(500), Some(1)),
            ("1.5Gi", Some(1_610_612_736_000), Some(1_610_612_736)),
            ("128Mi", Some(134_217_728_000), Some(134_217_728)),
            ("8025424Ki", Some(8_218_034_176_000), Some(8_218_034_176)),
            ("1k", Some(1_000_000), Some(1000)),
            ("1e3", Some(1_000_000), Some(1000)),
            ("", None, None),
            ("abc", None, None),
            ("1Qi", None, None),
            ("1..2", None, None),
        ] {
            assert_eq!(parse_milli(s), milli, "{s}");
            assert_eq!(parse_value(s), value, "{s}");
        }
        assert_eq!(format_milli(250), "250m");
        assert_eq!(format_milli(2000), "2");
    }
}
