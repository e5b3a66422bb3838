//! `kubectl edit`: the terminal cannot block on an editor, so editing is a two-step exchange.
//!
//! 1. `kubectl edit deploy/web` fetches the object, writes it as YAML (with kubectl's comment
//!    header) to `/tmp/kubectl-edit-<n>.yaml` and returns an [`Output`] whose `edit` is that
//!    path, like `nano FILE` does; the terminal keeps a [`PendingEdit`].
//! 2. The UI opens the file in its editor panel, saves through `Terminal::write_file`, and when
//!    the panel closes calls [`crate::term::Terminal::editor_closed`] with the path: kubectl's
//!    answer comes back (`deployment.apps/web edited`, `Edit cancelled, no changes made.`, or
//!    the API error; the file is kept for another try).

use super::{codec, mutate, Ctx};
use crate::sim::api::{self, Resource};
use crate::sim::value::Value;
use crate::term::{Output, Terminal};

/// What `kubectl edit` is waiting for.
#[derive(Debug, Clone)]
pub struct PendingEdit {
    pub res: &'static Resource,
    pub original: Value,
    pub original_text: String,
    pub path: String,
}

pub const HEADER: &str = "# Please edit the object below. Lines beginning with a '#' will be ignored,\n# and an empty file will abort the edit. If an error occurs while saving this file will be\n# reopened with the relevant failures.\n#\n";

pub fn start(ctx: &mut Ctx) -> Output {
    if ctx.p.args.is_empty() {
        return ctx.usage("You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'");
    }
    let (objs, errors) = match mutate::resolve_objects(ctx, false) {
        Ok(x) => x,
        Err(o) => return o,
    };
    if let Some(e) = errors.into_iter().next() {
        return Output::error(e, 1);
    }
    let Some((res, obj)) = objs.into_iter().next() else {
        return ctx.fail("edit requires a resource name");
    };
    let text = format!("{HEADER}{}", codec::to_yaml(&obj));
    let n = ctx.term.world.now().as_ms() % 10_000_000_000;
    let path = format!("/tmp/kubectl-edit-{n:010}.yaml");
    ctx.term.fs.write(&path, text.clone());
    ctx.term.pending_edit = Some(PendingEdit {
        res,
        original: obj,
        original_text: text,
        path: path.clone(),
    });
    Output {
        open_editor: Some(path),
        ..Output::default()
    }
}

/// Applies the edited file at `path` (see the module docs).
pub fn finish(term: &mut Terminal, path: &str) -> Output {
    if term.pending_edit.as_ref().is_none_or(|p| p.path != path) {
        return Output::default();
    }
    let Some(p) = term.pending_edit.take() else {
        return Output::default();
    };
    let text = term.fs.read(path).unwrap_or("").to_string();
    let body: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    if body.trim().is_empty() || text == p.original_text {
        return Output::error("Edit cancelled, no changes made.", 0);
    }
    let edited = match codec::parse_documents(&body)
        .ok()
        .and_then(|d| d.into_iter().next())
    {
        Some(v) => v,
        None => {
            let path = p.path.clone();
            term.pending_edit = Some(p);
            return Output::error(
                format!("error: {path}: the edited file is not valid YAML; fix it and close the editor again"),
                1,
            );
        }
    };
    if edited == p.original {
        return Output::error("Edit cancelled, no changes made.", 0);
    }
    let Some(cluster) = term.current_cluster() else {
        return Output::error(super::NO_SERVER, 1);
    };
    let Some(mut a) = term.world.api(&cluster, "kubectl") else {
        return Output::error(super::NO_SERVER, 1);
    };
    match a.update(p.res, edited) {
        Ok(o) => Output::out(format!(
            "{} edited\n",
            super::tables::kind_name(p.res, api::name_of(&o))
        )),
        Err(e) => {
            let msg = format!(
                "error: {} \"{}\" could not be patched: {}\nYou can run `kubectl replace -f {}` to try this update again.",
                p.res.qualified_plural(),
                api::name_of(&p.original),
                e.message,
                p.path
            );
            Output::error(msg, 1)
        }
    }
}
