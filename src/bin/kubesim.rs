//! The kubesim terminal, natively: the same shell and simulated cluster as the browser.
//!
//! On a TTY it is an interactive REPL. When stdin is not a TTY it runs a script: each line is
//! echoed as `$ <line>` followed by its output, so transcripts can be diffed.
//! Simulated time does not pass on its own here: `sleep N` advances it.
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
        let line = line.trim_end_matches(['\n', '\r']);
        if line.trim() == "exit" {
            break;
        }
        if !interactive {
            let _ = writeln!(stdout, "$ {line}");
        }
        let out = term.run(line);
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
        let _ = stdout.flush();
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("{msg}");
    std::process::exit(2)
}
