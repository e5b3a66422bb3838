//! Indexed Jobs (`completionMode: Indexed`, `pkg/controller/job/indexed_job_utils.go`).
//!
//! Each of the `completions` indexes 0..n-1 must succeed once. A pod for index *i* is named
//! from `generateName: <job>-<i>-`, has hostname `<job>-<i>`, carries the index in the
//! `batch.kubernetes.io/job-completion-index` annotation and label, and its containers get
//! `JOB_COMPLETION_INDEX` from that label (the `PodIndexLabel` feature is GA). The Job's
//! `status.completedIndexes` lists succeeded indexes as intervals (`0-2,4`; two neighbours
//! are written `5,6`) and `status.succeeded` is their count; new pods take the lowest
//! indexes that are neither succeeded nor running.

use crate::sim::meta;
use crate::sim::value::Value;
use std::collections::BTreeSet;

pub const INDEX_KEY: &str = "batch.kubernetes.io/job-completion-index";
const ENV_NAME: &str = "JOB_COMPLETION_INDEX";

pub fn is_indexed(job: &Value) -> bool {
    meta::str_at(job, &["spec", "completionMode"]) == Some("Indexed")
}

/// A pod's completion index, from the annotation (as upstream reads it).
pub fn index_of(pod: &Value) -> Option<i64> {
    meta::annotation(pod, INDEX_KEY)?
        .parse::<i64>()
        .ok()
        .filter(|i| *i >= 0)
}

/// Parses `status.completedIndexes` (`1,3-5`), ignoring corrupt parts and indexes past
/// `completions`, like `succeededIndexesFromString`.
pub fn parse(s: &str, completions: i64) -> BTreeSet<i64> {
    let mut out = BTreeSet::new();
    for part in s.split(',').filter(|p| !p.is_empty()) {
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (a.parse::<i64>(), b.parse::<i64>()),
            None => (part.parse::<i64>(), part.parse::<i64>()),
        };
        let (Ok(a), Ok(b)) = (a, b) else { continue };
        if a >= completions {
            break;
        }
        for i in a.max(0)..=b.min(completions - 1) {
            out.insert(i);
        }
    }
    out
}

/// Writes indexes as `orderedIntervals.String()` does: runs of 3+ as `a-b`, pairs as `a,b`.
pub fn format(set: &BTreeSet<i64>) -> String {
    let mut runs: Vec<(i64, i64)> = Vec::new();
    for &i in set {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == i => *last = i,
            _ => runs.push((i, i)),
        }
    }
    runs.iter()
        .map(|&(a, b)| match b - a {
            0 => a.to_string(),
            1 => format!("{a},{b}"),
            _ => format!("{a}-{b}"),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The `count` lowest indexes below `completions` that are neither done nor running
/// (`firstPendingIndexes`).
pub fn first_pending(
    done: &BTreeSet<i64>,
    running: &BTreeSet<i64>,
    count: i64,
    completions: i64,
) -> Vec<i64> {
    (0..completions.max(0))
        .filter(|i| !done.contains(i) && !running.contains(i))
        .take(count.max(0) as usize)
        .collect()
}

/// Turns a pod made from the Job's template into the pod for index `ix`.
pub fn decorate(pod: &mut Value, job_name: &str, ix: i64) {
    let m = pod.path_mut_or_insert(&["metadata"]);
    m.set("generateName", generate_name(job_name, ix));
    m.path_mut_or_insert(&["annotations"])
        .set(INDEX_KEY, ix.to_string());
    m.path_mut_or_insert(&["labels"])
        .set(INDEX_KEY, ix.to_string());
    let spec = pod.path_mut_or_insert(&["spec"]);
    if spec
        .get("hostname")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        spec.set("hostname", format!("{job_name}-{ix}"));
    }
    for list in ["initContainers", "containers"] {
        if let Some(Value::Seq(cs)) = spec.get_mut(list) {
            for c in cs.iter_mut() {
                add_env(c);
            }
        }
    }
}

fn add_env(c: &mut Value) {
    let mut env: Vec<Value> = c
        .get("env")
        .and_then(Value::as_seq)
        .map(|s| s.to_vec())
        .unwrap_or_default();
    if env
        .iter()
        .any(|e| meta::str_at(e, &["name"]) == Some(ENV_NAME))
    {
        return;
    }
    let mut e = Value::map();
    e.set("name", ENV_NAME);
    e.path_mut_or_insert(&["valueFrom", "fieldRef"])
        .set("fieldPath", format!("metadata.labels['{INDEX_KEY}']"));
    env.push(e);
    c.set("env", Value::Seq(env.into()));
}

/// `podGenerateNameWithIndex`: `<job>-<i>-`, the job name cut so the prefix stays within
/// the 58 characters a generated name may have before its random suffix.
fn generate_name(job_name: &str, ix: i64) -> String {
    const MAX_GENERATED_NAME_LENGTH: usize = 58;
    let suffix = format!("-{ix}-");
    let full = format!("{job_name}{suffix}");
    if full.len() <= MAX_GENERATED_NAME_LENGTH {
        return full;
    }
    let keep = MAX_GENERATED_NAME_LENGTH.saturating_sub(suffix.len());
    let cut: String = job_name.chars().take(keep).collect();
    format!("{cut}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_read_and_write_like_upstream() {
        let s: BTreeSet<i64> = [0, 1, 2, 4, 6, 7].into_iter().collect();
        assert_eq!(format(&s), "0-2,4,6,7");
        assert_eq!(parse("0-2,4,6,7", 10), s);
        assert_eq!(parse("0-2,x,9-12", 10), [0, 1, 2, 9].into_iter().collect());
        assert_eq!(format(&BTreeSet::new()), "");
    }

    #[test]
    fn pending_indexes_skip_done_and_running_ones() {
        let done: BTreeSet<i64> = [0, 2].into_iter().collect();
        let running: BTreeSet<i64> = [1].into_iter().collect();
        assert_eq!(first_pending(&done, &running, 2, 5), vec![3, 4]);
        assert_eq!(first_pending(&done, &running, 9, 4), vec![3]);
    }

    #[test]
    fn a_pod_gets_its_index_name_hostname_and_env() {
        let mut pod = Value::map();
        let mut c = Value::map();
        c.set("name", "w");
        pod.path_mut_or_insert(&["spec"])
            .set("containers", Value::Seq(vec![c].into()));
        decorate(&mut pod, "sum", 3);
        assert_eq!(
            meta::str_at(&pod, &["metadata", "generateName"]),
            Some("sum-3-")
        );
        assert_eq!(index_of(&pod), Some(3));
        assert_eq!(meta::label(&pod, INDEX_KEY), Some("3"));
        assert_eq!(meta::str_at(&pod, &["spec", "hostname"]), Some("sum-3"));
        let env = pod
            .path(&["spec", "containers"])
            .and_then(Value::as_seq)
            .unwrap()[0]
            .get("env")
            .cloned()
            .unwrap();
        assert_eq!(
            crate::sim::validation::json(&env),
            r#"[{"name":"JOB_COMPLETION_INDEX","valueFrom":{"fieldRef":{"fieldPath":"metadata.labels['batch.kubernetes.io/job-completion-index']"}}}]"#
        );
        let long = "x".repeat(70);
        assert_eq!(generate_name(&long, 12).len(), 58);
    }

    fn indexed_job(name: &str, completions: i64, parallelism: i64, backoff: i64) -> Value {
        let mut j = Value::map();
        j.path_mut_or_insert(&["metadata"]).set("name", name);
        let spec = j.path_mut_or_insert(&["spec"]);
        spec.set("completions", completions);
        spec.set("parallelism", parallelism);
        spec.set("backoffLimit", backoff);
        spec.set("completionMode", "Indexed");
        let mut c = Value::map();
        c.set("name", "w");
        c.set("image", "busybox");
        spec.path_mut_or_insert(&["template", "spec"])
            .set("containers", Value::Seq(vec![c].into()));
        spec.path_mut_or_insert(&["template", "spec"])
            .set("restartPolicy", "Never");
        j
    }

    /// Five indexes, two at a time: pods `sum-<i>-<rand>` for the lowest pending indexes,
    /// `completedIndexes` grows as intervals, the Job completes when all five succeeded.
    #[test]
    fn indexed_job_runs_each_index_once_and_reports_completed_indexes() {
        use super::super::testkit::{self, Fake, KIND};
        let jobs = crate::sim::api::resource_for("jobs").unwrap();
        let mut w = testkit::world();
        let mut f = Fake::new(KIND);
        f.succeed_prefix = Some("sum-".into());
        w.api(KIND, "kubectl")
            .unwrap()
            .create(jobs, indexed_job("sum", 5, 2, 6))
            .unwrap();
        f.run(&mut w, 1_000);
        let pods = testkit::pods(&w, KIND, "default");
        let mut ix: Vec<i64> = pods.iter().filter_map(index_of).collect();
        ix.sort();
        assert_eq!(ix, vec![0, 1], "parallelism 2, lowest indexes first");
        for p in &pods {
            let name = meta::str_at(p, &["metadata", "name"]).unwrap();
            let i = index_of(p).unwrap();
            assert!(name.starts_with(&format!("sum-{i}-")), "{name}");
            assert_eq!(name.len(), "sum-0-".len() + 5, "{name}");
            assert_eq!(meta::label(p, INDEX_KEY), Some(i.to_string().as_str()));
        }
        f.run(&mut w, 4_000);
        let job = testkit::get(&w, KIND, "/registry/jobs/default/sum").unwrap();
        assert_eq!(
            meta::str_at(&job, &["status", "completedIndexes"]),
            Some("0,1")
        );
        f.run(&mut w, 30_000);
        let job = testkit::get(&w, KIND, "/registry/jobs/default/sum").unwrap();
        assert_eq!(
            meta::str_at(&job, &["status", "completedIndexes"]),
            Some("0-4")
        );
        assert_eq!(meta::int_at(&job, &["status", "succeeded"]), Some(5));
        assert_eq!(meta::condition_status(&job, "Complete"), Some("True"));
        assert_eq!(
            testkit::pods(&w, KIND, "default").len(),
            5,
            "one pod per index"
        );
    }

    /// Index 1 keeps failing: it is retried (same index, new pod) until the back-off limit,
    /// then the Job fails with `BackoffLimitExceeded`, keeping the indexes that succeeded.
    #[test]
    fn a_failing_index_is_retried_until_the_backoff_limit() {
        use super::super::testkit::{self, Fake, KIND};
        let jobs = crate::sim::api::resource_for("jobs").unwrap();
        let mut w = testkit::world();
        let mut f = Fake::new(KIND);
        f.succeed_prefix = Some("idx-".into());
        f.fail_prefix = Some("idx-1-".into());
        w.api(KIND, "kubectl")
            .unwrap()
            .create(jobs, indexed_job("idx", 3, 3, 2))
            .unwrap();
        f.run(&mut w, 120_000);
        let job = testkit::get(&w, KIND, "/registry/jobs/default/idx").unwrap();
        let failed = meta::condition(&job, "Failed").expect("failed");
        assert_eq!(
            meta::str_at(failed, &["reason"]),
            Some("BackoffLimitExceeded")
        );
        assert_eq!(
            meta::str_at(failed, &["message"]),
            Some("Job has reached the specified backoff limit")
        );
        assert_eq!(meta::int_at(&job, &["status", "failed"]), Some(3));
        assert_eq!(
            meta::str_at(&job, &["status", "completedIndexes"]),
            Some("0,2")
        );
        let retried = testkit::pods(&w, KIND, "default")
            .iter()
            .filter(|p| index_of(p) == Some(1))
            .count();
        assert_eq!(retried, 3, "the same index, three pods");
    }

    #[test]
    fn indexed_needs_completions() {
        let jobs = crate::sim::api::resource_for("jobs").unwrap();
        let mut w = crate::sim::controllers::testkit::world();
        let mut j = indexed_job("x", 1, 2, 1);
        meta::remove(j.path_mut_or_insert(&["spec"]), "completions");
        let err = w
            .api(crate::sim::controllers::testkit::KIND, "kubectl")
            .unwrap()
            .create(jobs, j)
            .unwrap_err();
        assert!(
            err.message
                .contains("spec.completions: Required value: when completion mode is Indexed"),
            "{}",
            err.message
        );
    }

    /// `FailureTarget` comes first while the Job's other pods are deleted; `Failed` (and the
    /// `BackoffLimitExceeded` event) only once none of them is left.
    #[test]
    fn failed_comes_after_failure_target_once_pods_are_gone() {
        use super::super::testkit::{self, Fake, KIND};
        let jobs = crate::sim::api::resource_for("jobs").unwrap();
        let mut w = testkit::world();
        let mut f = Fake::new(KIND);
        f.fail_prefix = Some("t-1-".into());
        f.ready_after_ms = 0;
        w.api(KIND, "kubectl")
            .unwrap()
            .create(jobs, indexed_job("t", 2, 2, 0))
            .unwrap();
        let mut saw_target_alone = false;
        for _ in 0..40 {
            f.run(&mut w, 500);
            let job = testkit::get(&w, KIND, "/registry/jobs/default/t").unwrap();
            let target = meta::condition_status(&job, "FailureTarget") == Some("True");
            let failed = meta::condition_status(&job, "Failed") == Some("True");
            if target && !failed {
                saw_target_alone = true;
            }
            if failed {
                assert!(
                    saw_target_alone,
                    "Failed arrived together with FailureTarget"
                );
                let live = testkit::pods(&w, KIND, "default")
                    .iter()
                    .filter(|p| !meta::pod_is_finished(p))
                    .count();
                assert_eq!(live, 0, "no pod left when the Job is Failed");
                return;
            }
        }
        panic!("the Job never failed");
    }
}
