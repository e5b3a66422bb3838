//! `kubectl create token SERVICE_ACCOUNT`: a TokenRequest for a ServiceAccount (the only way to
//! get one since 1.24 no longer writes token Secrets). The API server then accepts the token as
//! `system:serviceaccount:<ns>:<name>` (groups `system:serviceaccounts`,
//! `system:serviceaccounts:<ns>`, `system:authenticated`), and RBAC decides what it may do:
//! lesson 07 repairs a kubeconfig whose token the server no longer knows with it.
//!
//! The token is JWT-shaped (header.payload.signature, base64url) like a real bound token, made
//! deterministically from the cluster, the account and the simulated time (no rng draw, so the
//! world's random sequence is untouched).

use super::Ctx;
use crate::sim::auth::{self, UserInfo};
use crate::sim::etcd::fnv;
use crate::term::Output;

/// kube-apiserver's default lifetime when `--duration` is not given (`--service-account-max-token-expiration` aside).
const DEFAULT_EXPIRATION_S: i64 = 3600;

pub fn run(ctx: &mut Ctx) -> Output {
    let sa = match ctx.p.args.as_slice() {
        [one] => one.clone(),
        other => return ctx.usage(format!("exactly one NAME is required, got {}", other.len())),
    };
    let duration_s = match ctx.p.value("duration").filter(|d| !d.is_empty()) {
        None => DEFAULT_EXPIRATION_S,
        Some(d) => match parse_duration_s(d) {
            Some(0) => DEFAULT_EXPIRATION_S,
            Some(s) if s > 0 => s,
            _ => {
                // pflag's message around Go's time.ParseDuration error.
                let unit: String = d
                    .chars()
                    .skip_while(|c| c.is_ascii_digit())
                    .take_while(|c| !c.is_ascii_digit())
                    .collect();
                let why = if d.starts_with(|c: char| c.is_ascii_digit()) && !unit.is_empty() {
                    format!("time: unknown unit \"{unit}\" in duration \"{d}\"")
                } else {
                    format!("time: invalid duration \"{d}\"")
                };
                return Output::error(
                    format!("error: invalid argument \"{d}\" for \"--duration\" flag: {why}\nSee 'kubectl create token --help' for usage."),
                    1,
                );
            }
        },
    };
    let conn = match ctx.conn() {
        Ok(c) => c,
        Err(o) => return o,
    };
    let ns = ctx.namespace();
    let now_s = ctx.term.world.now().as_ms() / 1000;
    let Some(cluster) = ctx.term.world.clusters.get_mut(&conn.cluster) else {
        return Output::error(
            "error: the server doesn't have a resource type \"serviceaccounts\"",
            1,
        );
    };
    if cluster
        .store
        .get(&format!("/registry/serviceaccounts/{ns}/{sa}"))
        .is_none()
    {
        return Output::error(
            format!("error: failed to create token: serviceaccounts \"{sa}\" not found"),
            1,
        );
    }
    let subject = format!("system:serviceaccount:{ns}:{sa}");
    let payload = format!(
        "{{\"aud\":[\"https://kubernetes.default.svc.cluster.local\"],\"exp\":{},\"iat\":{now_s},\"iss\":\"https://kubernetes.default.svc.cluster.local\",\"sub\":\"{subject}\"}}",
        now_s as i64 + duration_s
    );
    let signature: Vec<u8> = (0..4u64)
        .flat_map(|i| fnv(format!("{}{payload}{i}", cluster.name).as_bytes()).to_be_bytes())
        .collect();
    let token = format!(
        "{}.{}.{}",
        b64url(br#"{"alg":"RS256","kid":"kubesim"}"#),
        b64url(payload.as_bytes()),
        b64url(&signature)
    );
    let groups = [
        "system:serviceaccounts".to_string(),
        format!("system:serviceaccounts:{ns}"),
        "system:authenticated".to_string(),
    ];
    let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
    auth::add_token(cluster, &token, UserInfo::new(&subject, &groups));
    Output::out(format!("{token}\n"))
}

fn b64url(bytes: &[u8]) -> String {
    auth::base64_encode(bytes)
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}

/// Go durations as the flag takes them: `10m`, `1h30m`, `3600s`.
fn parse_duration_s(d: &str) -> Option<i64> {
    let mut total = 0i64;
    let mut num = String::new();
    for c in d.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: i64 = num.parse().ok()?;
        num.clear();
        total += n * match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
    }
    num.is_empty().then_some(total)
}
