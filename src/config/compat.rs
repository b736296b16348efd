//! Keys of the Python orchestrator this tool replaces.
//!
//! Keys with a meaning here are folded into their new place before validation, the new key
//! winning when both are written: `supervisor_prompt`/`main_prompt`/`reviewer_prompt` →
//! `prompts.*`; `router.review_every_n` and then `workflow.review_every_n` → `review_every_n`;
//! `doc_whitelist`, `tracked_output_globs`, `tracked_output_extensions`, `report_extensions` →
//! `autocommit.*`. (`tmp_dir`, `input_file` and `findings_file` keep their names.) Keys with no
//! meaning here (`spec_bootstrap`, `workflow.name`) are accepted and reported as warnings.

use crate::config::raw::RawConfig;

/// Moves the compatibility keys of `raw` into their new places (without overwriting new keys)
/// and returns the dotted names of the meaningless keys that were present.
pub(super) fn fold(raw: &mut RawConfig) -> Vec<&'static str> {
    let prompts = raw.prompts.get_or_insert_with(Default::default);
    fill(&mut prompts.supervisor, raw.supervisor_prompt.take());
    fill(&mut prompts.main, raw.main_prompt.take());
    fill(&mut prompts.reviewer, raw.reviewer_prompt.take());

    let router_n = raw.router.as_mut().and_then(|r| r.review_every_n.take());
    let workflow_n = raw.workflow.as_mut().and_then(|w| w.review_every_n.take());
    fill(&mut raw.review_every_n, router_n.or(workflow_n));

    let autocommit = raw.autocommit.get_or_insert_with(Default::default);
    fill(&mut autocommit.doc_whitelist, raw.doc_whitelist.take());
    fill(
        &mut autocommit.tracked_output_globs,
        raw.tracked_output_globs.take(),
    );
    fill(
        &mut autocommit.tracked_output_extensions,
        raw.tracked_output_extensions.take(),
    );
    if let Some(extensions) = raw.report_extensions.take() {
        // The Python tool's reports were files with these extensions anywhere in the tree.
        fill(&mut autocommit.report_globs, Some(Vec::new()));
        fill(&mut autocommit.report_extensions, Some(extensions));
    }

    let mut meaningless = Vec::new();
    if raw.spec_bootstrap.is_some() {
        meaningless.push("spec_bootstrap");
    }
    if raw.workflow.as_ref().is_some_and(|w| w.name.is_some()) {
        meaningless.push("workflow.name");
    }
    meaningless
}

/// Sets `slot` from the compatibility value unless the new key already set it.
fn fill<T>(slot: &mut Option<T>, compat: Option<T>) {
    if slot.is_none() {
        *slot = compat;
    }
}
