//! How kubectl prints: its tab-aligned tables and its human-readable ages.
//!
//! [`Table`] reproduces Go's `text/tabwriter` as kubectl configures it (minimum cell width 6,
//! padding 3, spaces; the last column is not padded). [`human_duration`] is
//! `k8s.io/apimachinery/pkg/util/duration.HumanDuration`, used for every AGE column.
//!
//! ```
//! use kubesim::term::kubectl::printers::{human_duration, Table};
//! assert_eq!(human_duration(121), "2m1s");
//! let mut t = Table::new(&["NAME", "AGE"]);
//! t.row(vec!["web".into(), "5s".into()]);
//! assert_eq!(t.render(), "NAME   AGE\nweb    5s\n");
//! ```

/// Go's tabwriter with kubectl's settings: `tabwriter.NewWriter(out, 6, 4, 3, ' ', 0)`.
pub const MIN_WIDTH: usize = 6;
pub const PADDING: usize = 3;

/// A table of rows of cells, printed like kubectl's default output.
#[derive(Debug, Clone, Default)]
pub struct Table {
    rows: Vec<Vec<String>>,
    headers: bool,
}

impl Table {
    pub fn new(headers: &[&str]) -> Self {
        Table {
            rows: vec![headers.iter().map(|h| h.to_string()).collect()],
            headers: true,
        }
    }
    /// A table without a header line (`--no-headers`).
    pub fn headless() -> Self {
        Table {
            rows: Vec::new(),
            headers: false,
        }
    }
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
    /// Number of data rows (header excluded).
    pub fn len(&self) -> usize {
        self.rows.len() - usize::from(self.headers)
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Drops the header line (for `--no-headers`).
    pub fn without_headers(mut self) -> Self {
        if self.headers {
            self.rows.remove(0);
            self.headers = false;
        }
        self
    }

    /// Aligns the columns. Every cell but a row's last is padded to its column's width, which
    /// is the widest cell + [`PADDING`] (at least [`MIN_WIDTH`]), as tabwriter does.
    pub fn render(&self) -> String {
        let mut text = String::new();
        for row in &self.rows {
            text.push_str(&row.join("\t"));
            text.push('\n');
        }
        tabwrite(&text, MIN_WIDTH, PADDING)
    }
}

/// Go's `text/tabwriter` on `\t`-separated text (flags 0, space padding): a cell is
/// tab-terminated text; consecutive lines that have a cell in the same column form a block
/// aligned to its widest cell + `padding` (at least `min_width`). Describers use
/// `tabwrite(text, 0, 2)`; tables `tabwrite(text, 6, 3)`.
pub fn tabwrite(text: &str, min_width: usize, padding: usize) -> String {
    let lines: Vec<Vec<&str>> = text
        .split_inclusive('\n')
        .map(|l| l.trim_end_matches('\n').split('\t').collect())
        .collect();
    let ends_nl: Vec<bool> = text
        .split_inclusive('\n')
        .map(|l| l.ends_with('\n'))
        .collect();
    // widths[line][col] for every tab-terminated cell.
    let mut widths: Vec<Vec<usize>> = lines
        .iter()
        .map(|l| vec![0; l.len().saturating_sub(1)])
        .collect();
    fn format(
        lines: &[Vec<&str>],
        widths: &mut [Vec<usize>],
        col: usize,
        start: usize,
        end: usize,
        min: usize,
        pad: usize,
    ) {
        let mut this = start;
        while this < end {
            if col >= lines[this].len().saturating_sub(1) {
                this += 1;
                continue;
            }
            let block_start = this;
            let mut width = min;
            while this < end && col < lines[this].len().saturating_sub(1) {
                width = width.max(display_width(lines[this][col]) + pad);
                this += 1;
            }
            for w in widths.iter_mut().take(this).skip(block_start) {
                w[col] = width;
            }
            format(lines, widths, col + 1, block_start, this, min, pad);
        }
    }
    format(&lines, &mut widths, 0, 0, lines.len(), min_width, padding);
    let mut out = String::new();
    for (idx, cells) in lines.iter().enumerate() {
        for (c, cell) in cells.iter().enumerate() {
            out.push_str(cell);
            if c + 1 < cells.len() {
                let pad = widths[idx][c].saturating_sub(display_width(cell));
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        if ends_nl[idx] {
            out.push('\n');
        }
    }
    out
}

/// Width in terminal cells; tabwriter counts UTF-8 characters.
fn display_width(s: &str) -> usize {
    s.chars().count()
}

/// `duration.HumanDuration`: `59s`, `2m1s`, `10m`, `3h1m`, `8h`, `2d1h`, `8d`, `2y3d`.
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".into();
    } else if seconds < 0 {
        return "0s".into();
    } else if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    } else if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    } else if hours < 48 {
        return format!("{hours}h");
    } else if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    } else if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    } else if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        return if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_duration_matches_apimachinery() {
        for (s, want) in [
            (-5, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (59, "59s"),
            (119, "119s"),
            (120, "2m"),
            (121, "2m1s"),
            (599, "9m59s"),
            (600, "10m"),
            (3 * 3600 - 1, "179m"),
            (3 * 3600, "3h"),
            (3 * 3600 + 60, "3h1m"),
            (8 * 3600, "8h"),
            (47 * 3600, "47h"),
            (49 * 3600, "2d1h"),
            (8 * 86400, "8d"),
            (730 * 86400, "2y"),
            (733 * 86400, "2y3d"),
            (9 * 365 * 86400, "9y"),
        ] {
            assert_eq!(human_duration(s), want, "{s}s");
        }
    }

    #[test]
    fn tabwrite_aligns_blocks_like_go() {
        let text = "Name:\tweb\nService Account:\tdefault\nIPs:\n  IP:\t10.0.0.1\nQoS Class:\tBestEffort\n";
        assert_eq!(
            tabwrite(text, 0, 2),
            "Name:             web\nService Account:  default\nIPs:\n  IP:       10.0.0.1\nQoS Class:  BestEffort\n"
        );
        assert_eq!(
            tabwrite("a\tb\tc\nlong\tx\n", 0, 2),
            "a     b  c\nlong  x\n"
        );
    }

    #[test]
    fn table_aligns_like_tabwriter() {
        let mut t = Table::new(&["NAME", "STATUS", "ROLES", "AGE", "VERSION"]);
        t.row(
            [
                "kind-control-plane",
                "Ready",
                "control-plane",
                "5m",
                "v1.34.1",
            ]
            .map(String::from)
            .to_vec(),
        );
        t.row(
            ["kind-worker", "Ready", "<none>", "5m", "v1.34.1"]
                .map(String::from)
                .to_vec(),
        );
        assert_eq!(
            t.render(),
            "NAME                 STATUS   ROLES           AGE   VERSION\n\
             kind-control-plane   Ready    control-plane   5m    v1.34.1\n\
             kind-worker          Ready    <none>          5m    v1.34.1\n"
        );
        // Short columns still get the minimum width of 6.
        let mut t = Table::new(&["A", "B"]);
        t.row(vec!["x".into(), "y".into()]);
        assert_eq!(t.render(), "A     B\nx     y\n");
        assert_eq!(t.clone().without_headers().render(), "x     y\n");
        assert_eq!(t.len(), 1);
    }
}
