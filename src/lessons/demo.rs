//! Demo scripts: a list of commands, faults, captions and pauses a trainer plays in front of
//! a class. A lesson carries one in `lesson.yaml` (`demo:`, see `lessons/README.md`); a URL
//! carries one as `?demo=cmd;;pause:2;;stop:kube-scheduler` ([`DemoStep::parse_url`]). The
//! UI plays both the same way; CI replays every lesson's demo (`tests/lessons.rs`).
//!
//! ```
//! use kubesim::lessons::demo::DemoStep;
//! assert_eq!(DemoStep::parse_url("pause:2.5"), DemoStep::Wait { ms: 2500 });
//! assert_eq!(DemoStep::parse_url("pause"), DemoStep::Hold);
//! assert_eq!(DemoStep::parse_url("kubectl get pods"), DemoStep::Run("kubectl get pods".into()));
//! ```

use super::schema::Tr;

/// The longest wait a script may ask for (10 minutes).
pub const MAX_WAIT_MS: u64 = 600_000;

/// One entry of a demo script.
#[derive(Debug, Clone, PartialEq)]
pub enum DemoStep {
    /// A command line typed into the terminal.
    Run(String),
    /// Wait this long before the next entry.
    Wait { ms: u64 },
    /// Wait until the trainer presses Continue (time to explain).
    Hold,
    /// Stop a component (`kube-scheduler`, `kubelet/kind-worker`...), as a step's `stop`.
    Stop(String),
    /// Start it again.
    Start(String),
    /// A caption for the audience, shown in the terminal as a note.
    Say(Tr<String>),
}

impl DemoStep {
    /// One `;;`-separated part of a `?demo=` URL parameter: `pause:N` (seconds), `pause`,
    /// `stop:<component>`, `start:<component>`, `say:<text>` (both languages), else a command.
    pub fn parse_url(s: &str) -> DemoStep {
        let s = s.trim();
        if s == "pause" {
            return DemoStep::Hold;
        }
        if let Some(secs) = s.strip_prefix("pause:") {
            return DemoStep::Wait {
                ms: seconds_to_ms(secs.trim()).unwrap_or(1_000),
            };
        }
        if let Some(c) = s.strip_prefix("stop:") {
            return DemoStep::Stop(c.trim().to_string());
        }
        if let Some(c) = s.strip_prefix("start:") {
            return DemoStep::Start(c.trim().to_string());
        }
        if let Some(text) = s.strip_prefix("say:") {
            let text = text.trim().to_string();
            return DemoStep::Say(Tr {
                fr: text.clone(),
                en: text,
            });
        }
        DemoStep::Run(s.to_string())
    }

    /// How long the player waits before playing this entry: commands get a short gap (the
    /// audience reads the previous output), waits their own duration, the rest none.
    pub fn delay_ms(&self) -> u64 {
        match self {
            DemoStep::Run(_) => COMMAND_GAP_MS,
            DemoStep::Wait { ms } => *ms,
            DemoStep::Hold | DemoStep::Stop(_) | DemoStep::Start(_) | DemoStep::Say(_) => 0,
        }
    }
}

/// The pause before each command of a demo.
pub const COMMAND_GAP_MS: u64 = 1_800;

/// `"2.5"` → 2500; `None` for anything else than a non-negative number of seconds (capped at
/// [`MAX_WAIT_MS`]). Parsed by hand: float parsing would add kilobytes to the wasm.
pub fn seconds_to_ms(s: &str) -> Option<u64> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    let digits = |d: &str| d.chars().all(|c| c.is_ascii_digit());
    if !digits(whole) || !digits(frac) {
        return None;
    }
    // Too many digits for a u64 is simply "very long": capped like any long wait.
    let whole_ms = match whole {
        "" => 0,
        w => w
            .parse::<u64>()
            .map_or(MAX_WAIT_MS, |s| s.saturating_mul(1000)),
    };
    let frac_ms = frac
        .chars()
        .chain("000".chars())
        .take(3)
        .collect::<String>()
        .parse::<u64>()
        .unwrap_or(0);
    Some((whole_ms + frac_ms).min(MAX_WAIT_MS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_parts_parse_into_steps() {
        assert_eq!(
            DemoStep::parse_url(" pause:3 "),
            DemoStep::Wait { ms: 3000 }
        );
        assert_eq!(
            DemoStep::parse_url("pause:oops"),
            DemoStep::Wait { ms: 1000 }
        );
        assert_eq!(
            DemoStep::parse_url("stop:kube-scheduler"),
            DemoStep::Stop("kube-scheduler".into())
        );
        assert_eq!(
            DemoStep::parse_url("start: kubelet/kind-worker"),
            DemoStep::Start("kubelet/kind-worker".into())
        );
        match DemoStep::parse_url("say:Regardez") {
            DemoStep::Say(t) => {
                assert_eq!((t.fr.as_str(), t.en.as_str()), ("Regardez", "Regardez"))
            }
            other => panic!("{other:?}"),
        }
        // A command that merely contains a colon stays a command.
        assert_eq!(
            DemoStep::parse_url("echo pause:1"),
            DemoStep::Run("echo pause:1".into())
        );
    }

    #[test]
    fn seconds_parse_by_hand_and_are_capped() {
        assert_eq!(seconds_to_ms("0"), Some(0));
        assert_eq!(seconds_to_ms("1.5"), Some(1500));
        assert_eq!(seconds_to_ms("0.25"), Some(250));
        assert_eq!(seconds_to_ms(".5"), Some(500));
        assert_eq!(seconds_to_ms("99999999999999999999"), Some(MAX_WAIT_MS));
        for bad in ["", ".", "-1", "1e3", "2s", "1.2.3"] {
            assert_eq!(seconds_to_ms(bad), None, "{bad}");
        }
        assert_eq!(DemoStep::Run("x".into()).delay_ms(), COMMAND_GAP_MS);
        assert_eq!(DemoStep::Hold.delay_ms(), 0);
    }
}
