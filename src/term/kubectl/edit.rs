//! `kubectl edit`: the terminal cannot block on an editor, so editing is a two-step exchange.
//!
//! 1. `kubectl edit deploy/web` fetches the object and returns an [`Output`] whose
//!    [`Output::edit`] carries an [`EditRequest`] (a temp file path and its YAML text, with
//!    kubectl's comment header). The terminal keeps a [`PendingEdit`].
//! 2. The UI opens the text in its editor panel; on save it calls
//!    [`crate::term::Terminal::finish_edit`] with the new text (on cancel, with the original
//!    text): kubectl's answer comes back (`deployment.apps/web edited`,
//!    `Edit cancelled, no changes made.`, or the API error with the file kept for another try).

use super::{codec, mutate, Ctx};
use crate::sim::api::{self, Resource};
use crate::sim::value::Value;
use crate::term::{Output, Terminal};

/// The file the UI should open in its editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditRequest {
    pub path: String,
    pub text: String,
}

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
        original_text: text.clone(),
        path: path.clone(),
    });
    Output {
        edit: Some(EditRequest { path, text }),
        ..Output::default()
    }
}

/// Applies the edited text (see the module docs).
pub fn finish(term: &mut Terminal, text: &str) -> Output {
    let Some(p) = term.pending_edit.take() else {
        return Output::error("error: no edit in progress", 1);
    };
    let body: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    if body.trim().is_empty() {
        return Output::error("Edit cancelled, no changes made.", 0);
    }
    if text == p.original_text {
        return Output::error("Edit cancelled, no changes made.", 0);
    }
    let edited = match codec::parse_documents(&body)
        .ok()
        .and_then(|d| d.into_iter().next())
    {
        Some(v) => v,
        None => {
            term.pending_edit = Some(p);
            return Output::error("error: edit cancelled, the file is not valid YAML", 1);
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
            let path = p.path.clone();
            term.pending_edit = Some(p);
            Output::error(format!("error: {}s \"{}\" could not be patched: {}\nYou can run `kubectl replace -f {path}` to try this update again.", e.reason, "", e.message), 1)
        }
    }
}
