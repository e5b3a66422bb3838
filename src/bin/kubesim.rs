//! The kubesim terminal, natively: the same shell and simulated cluster as the browser.
//!
//! On a TTY it is an interactive REPL. When stdin is not a TTY it runs a script: each line is
//! echoed as `$ <line>` followed by its output, so transcripts can be diffed. A line that is
//! not finished (open quote, `<<EOF` here-document, trailing `|` or `\\`) takes the following
//! lines too, like bash (`> ` prompts in the REPL; echoed as `> <line>` in script mode).
//!
//! # How simulated time passes
//! Unlike the browser (whose UI steps the world on a timer), nothing moves by itself here, so
//! a script is reproducible: the clock starts at 2026-01-05 09:00:00 UTC and advances only
//! - with `sleep N` (N seconds, also `30s`, `2m`, `1h`), in steps of one second;
//! - inside commands that wait in real life: `kubectl wait` steps the world until its condition
//!   holds or its `--timeout` expires; streams (`kubectl rollout status`, `get -w`, `logs -f`)
//!   are followed one simulated second at a time until they end, at most 60 s (then stopped
//!   as with Ctrl+C);
//! - by the time tools take: `kind create cluster` (30 s), `minikube start` (20 s),
//!   `kubeadm init` (15 s), `kubeadm join` (5 s), the k3s installer (10 s).
//!
//! `nano`/`vi FILE` open the browser's editor panel; here they print how to write the file
//! instead (`cat > FILE <<EOF`). `exit` leaves an `ssh` session, or the program on the laptop.
//!
//! ```text
//! cargo run --bin kubesim -- --preset kind --seed 1
//! echo 'kubectl get nodes' | cargo run --bin kubesim
//! ```

use kubesim::sim::{presets::Preset, World};
use kubesim::term::Terminal;
use std::io::{BufRead, IsTerminal, Write};

const USAGE: &str = "usage: kubesim [--preset minikube|kind|k3s|managed|ha|bare] [--seed N]";

fn main() {
    let mut preset = Preset::Kind;
    let mut seed = 1u64;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = |args: &mut dyn Iterator<Item = String>| {
            args.next()
                .unwrap_or_else(|| fail(&format!("kubesim: {arg} needs a value")))
        };
        match arg.as_str() {
            "--preset" => {
                let name = value(&mut args);
                preset = Preset::from_name(&name)
                    .unwrap_or_else(|| fail(&format!("kubesim: unknown preset {name:?}")));
            }
            "--seed" => {
                let s = value(&mut args);
                seed = s
                    .parse()
                    .unwrap_or_else(|_| fail(&format!("kubesim: invalid seed {s:?}")));
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            other => fail(&format!("kubesim: unknown argument {other:?}\n{USAGE}")),
        }
    }
    let mut term = Terminal::new(World::new(seed, preset));
    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal();
    let mut stdout = std::io::stdout();
    loop {
        if interactive {
            let _ = write!(stdout, "{}", term.prompt());
            let _ = stdout.flush();
        }
        let mut line = String::new();
        match stdin.lock().read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let mut line = line.trim_end_matches(['\n', '\r']).to_string();
        if !interactive {
            let _ = writeln!(stdout, "$ {line}");
        }
        // Unfinished lines (here-documents, open quotes) take the next lines too.
        while Terminal::needs_more_input(&line) {
            if interactive {
                let _ = write!(stdout, "> ");
                let _ = stdout.flush();
            }
            let mut more = String::new();
            match stdin.lock().read_line(&mut more) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            let more = more.trim_end_matches(['\n', '\r']);
            if !interactive {
                let _ = writeln!(stdout, "> {more}");
            }
            line.push('\n');
            line.push_str(more);
        }
        let mut out = term.run(&line);
        follow_stream(&mut term, &mut out);
        if out.clear && interactive {
            let _ = write!(stdout, "\x1b[2J\x1b[H");
        }
        for (stream, text) in &out.chunks {
            match stream {
                kubesim::term::Stream::Stdout => {
                    let _ = write!(stdout, "{text}");
                }
                kubesim::term::Stream::Stderr if interactive => eprint!("{text}"),
                // In script mode both streams go to stdout so the transcript keeps their order.
                kubesim::term::Stream::Stderr => {
                    let _ = write!(stdout, "{text}");
                }
            }
        }
        if let Some(path) = &out.open_editor {
            let _ = writeln!(
                stdout,
                "kubesim: the editor opens in the browser version; here, write {path} with\n  cat > {path} <<EOF\n  ...\n  EOF"
            );
        }
        let _ = stdout.flush();
        if out.close {
            break;
        }
    }
}

/// Nothing else moves the clock here, so a stream (`rollout status`, `get -w`, `logs -f`)
/// is followed in one-second steps of simulated time: until it ends by itself (a rollout
/// completes), or for at most [`STREAM_LIMIT_S`] seconds (then it is stopped, as with Ctrl+C).
const STREAM_LIMIT_S: u32 = 60;

fn follow_stream(term: &mut Terminal, out: &mut kubesim::term::Output) {
    if !out.streaming {
        return;
    }
    for _ in 0..STREAM_LIMIT_S {
        if term.watch.is_none() {
            return;
        }
        term.world.step(1000);
        let more = term.poll_watch();
        out.chunks.extend(more.chunks);
    }
    term.cancel_watch();
}

fn fail(msg: &str) -> ! {
    eprintln!("{msg}");
    std::process::exit(2)
}
