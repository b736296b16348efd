//! Auto-commit after a turn: reports, tracked outputs, doc/meta, then the engineer's work.
//!
//! [`plan_autocommit`] is pure: it sorts the dirty paths into commit groups under the
//! configured rules, and [`apply_plan`] makes one commit per group. Paths and rules are both
//! relative to the work tree root. Invariants: a path is in at most one group; paths under a
//! `never` prefix or in the exclude list are never taken; an ignored file is never taken or
//! mentioned, except by the reports step when `autocommit.include_ignored` names it (it is
//! force-added then); a file skipped for a size cap gets
//! a warning and is never swept into the `work` or `remaining changes` group.
//!
//! Defaults (safe on a real project): reports are files under `reports/` (any
//! extension); what ralph changed during its turn and no step took is committed as its `work`;
//! what galph changed outside the rules is reported in [`AutocommitPlan::turn_left`] so the
//! runner can fail its turn. Only changes made during the turn (modified at or after its start)
//! count as the turn's: dirt that was there before is left alone and reported.

#[cfg(test)]
mod apply_tests;
mod rules;
#[cfg(test)]
mod tests;

use self::rules::{Extensions, Globs, is_excluded, under_prefix};
use crate::config::AutocommitConfig;
use std::time::SystemTime;

use crate::git::{DirtyPath, GitError, Repo};
use crate::state::Actor;

/// The step a commit belongs to; decides its subject suffix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GroupKind {
    /// `reports evidence`.
    Reports,
    /// `tracked outputs`.
    TrackedOutputs,
    /// `doc/meta hygiene`.
    DocMeta,
    /// `work`: what ralph changed during its turn (`autocommit.work`).
    Work,
    /// `remaining changes` (`autocommit.everything`).
    Remaining,
}

impl GroupKind {
    /// The subject suffix: `reports evidence`, `tracked outputs`, `doc/meta hygiene` or
    /// `remaining changes`.
    #[must_use]
    pub(crate) fn label(self) -> &'static str {
        match self {
            GroupKind::Reports => "reports evidence",
            GroupKind::TrackedOutputs => "tracked outputs",
            GroupKind::DocMeta => "doc/meta hygiene",
            GroupKind::Work => "work",
            GroupKind::Remaining => "remaining changes",
        }
    }
}

/// One commit to make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CommitGroup {
    /// Which step.
    pub kind: GroupKind,
    /// Paths, sorted.
    pub paths: Vec<String>,
}

/// What auto-commit will do for one turn. Pure data; see [`plan_autocommit`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct AutocommitPlan {
    /// Commits in order (empty groups are left out).
    pub groups: Vec<CommitGroup>,
    /// Dirty paths no step took (reported as a warning and `dirty_left`).
    pub dirty_left: Vec<String>,
    /// The part of `dirty_left` the turn changed (galph's dirty guard).
    pub turn_left: Vec<String>,
    /// Why some paths were skipped (over a cap, …), one line each.
    pub warnings: Vec<String>,
}

/// A dirty path still waiting for a step, and whether a size cap already turned it away.
struct Pending<'a> {
    dirty: &'a DirtyPath,
    capped: bool,
}

/// One step of auto-commit (`docs/configuration.md`): which paths qualify and the caps that
/// apply to them.
struct Step<'a> {
    kind: GroupKind,
    qualifies: Box<dyn Fn(&DirtyPath) -> bool + 'a>,
    /// Per-file cap in bytes and its config key.
    max_file: (u64, &'static str),
    /// Total cap in bytes and its config key, if any.
    max_total: Option<(u64, &'static str)>,
}

/// Whose turn the dirty paths come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TurnOf {
    /// The actor that ran.
    pub actor: Actor,
    /// Whether its edits are its work (an engineer's: ralph's rules); a supervisor's or a
    /// reviewer's are taken only by the doc whitelist and report rules.
    pub work: bool,
    /// When the turn started: paths modified earlier (or with no time) were dirty before it.
    /// `None` counts every path as the turn's.
    pub since: Option<SystemTime>,
}

impl TurnOf {
    /// Whether `d` changed during the turn (a deletion counts: it has no time to compare).
    fn changed(&self, d: &DirtyPath) -> bool {
        match (self.since, d.modified) {
            (Some(since), Some(modified)) => modified >= since,
            _ => true,
        }
    }
}

/// Sorts `dirty` into the steps under `rules` for the turn `turn`. `exclude` lists paths never
/// taken (the state file and journal, committed by the stamp; an entry ending in `/` covers a
/// directory); they are not reported either. Paths under a `never` prefix are not taken: the
/// tracked ones are reported in `dirty_left`, untracked and ignored ones (scratch) are not.
/// Pure.
#[must_use]
pub(crate) fn plan_autocommit(
    dirty: &[DirtyPath],
    rules: &AutocommitConfig,
    exclude: &[String],
    turn: TurnOf,
) -> AutocommitPlan {
    let mut plan = AutocommitPlan::default();
    let mut pool = Vec::new();
    let named = Globs::new(
        &rules.include_ignored,
        "autocommit.include_ignored",
        &mut plan.warnings,
    );
    for d in dirty {
        if is_excluded(&d.path, exclude) || (d.ignored && !named.is_match(&d.path)) {
            continue;
        }
        if let Some(kind) = d.special {
            plan.warnings.push(format!(
                "skipped `{}`: git can only commit regular files and symlinks (it is a {kind})",
                d.path
            ));
            if d.tracked {
                plan.dirty_left.push(d.path.clone());
            }
            continue;
        }
        if under_prefix(&d.path, &rules.never) {
            if d.tracked && !d.ignored {
                plan.dirty_left.push(d.path.clone());
            }
            continue;
        }
        pool.push(Pending {
            dirty: d,
            capped: false,
        });
    }
    for step in steps(rules, &mut plan.warnings) {
        let mut paths = take(&mut pool, &step, &mut plan.warnings);
        if !paths.is_empty() {
            paths.sort();
            plan.groups.push(CommitGroup {
                kind: step.kind,
                paths,
            });
        }
    }
    finish(plan, pool, rules, turn)
}

/// The enabled steps, in order.
fn steps<'a>(rules: &'a AutocommitConfig, warnings: &mut Vec<String>) -> Vec<Step<'a>> {
    let mut steps = Vec::new();
    if rules.reports {
        let exts = Extensions::new(&rules.report_extensions);
        let globs = Globs::new(&rules.report_globs, "autocommit.report_globs", warnings);
        steps.push(Step {
            kind: GroupKind::Reports,
            qualifies: Box::new(move |d| {
                !d.deleted
                    && (exts.is_empty() || exts.contains(&d.path))
                    && (globs.is_empty() || globs.is_match(&d.path))
            }),
            max_file: (
                rules.report_max_file_bytes,
                "autocommit.report_max_file_bytes",
            ),
            max_total: Some((
                rules.report_max_total_bytes,
                "autocommit.report_max_total_bytes",
            )),
        });
    }
    if rules.tracked_outputs {
        let exts = Extensions::new(&rules.tracked_output_extensions);
        let key = "autocommit.tracked_output_globs";
        let globs = Globs::new(&rules.tracked_output_globs, key, warnings);
        steps.push(Step {
            kind: GroupKind::TrackedOutputs,
            qualifies: Box::new(move |d| {
                d.tracked && !d.deleted && exts.contains(&d.path) && globs.is_match(&d.path)
            }),
            max_file: (
                rules.tracked_max_file_bytes,
                "autocommit.tracked_max_file_bytes",
            ),
            max_total: Some((
                rules.tracked_max_total_bytes,
                "autocommit.tracked_max_total_bytes",
            )),
        });
    }
    if rules.doc_meta {
        let globs = Globs::new(&rules.doc_whitelist, "autocommit.doc_whitelist", warnings);
        steps.push(Step {
            kind: GroupKind::DocMeta,
            qualifies: Box::new(move |d| !d.ignored && globs.is_match(&d.path)),
            max_file: (rules.doc_max_file_bytes, "autocommit.doc_max_file_bytes"),
            max_total: None,
        });
    }
    steps
}

/// Removes from `pool` the paths `step` takes (in pool order, within its caps) and returns
/// them; a qualifying path over a cap stays in the pool, marked, with a warning.
fn take(pool: &mut Vec<Pending<'_>>, step: &Step<'_>, warnings: &mut Vec<String>) -> Vec<String> {
    let mut total: u64 = 0;
    let mut taken = Vec::new();
    pool.retain_mut(|p| {
        let d = p.dirty;
        if !(step.qualifies)(d) {
            return true;
        }
        let (max_file, file_key) = step.max_file;
        let over = if d.size > max_file {
            Some(format!("over `{file_key}` ({max_file})"))
        } else {
            step.max_total
                .filter(|(cap, _)| total.saturating_add(d.size) > *cap)
                .map(|(cap, key)| format!("the turn's total would exceed `{key}` ({cap})"))
        };
        if let Some(why) = over {
            warnings.push(format!(
                "{}: skipped `{}` ({} bytes): {why}",
                step.kind.label(),
                d.path,
                d.size
            ));
            p.capped = true;
            return true;
        }
        total = total.saturating_add(d.size);
        taken.push(d.path.clone());
        false
    });
    taken
}

/// Sends what no step took to `work` (ralph's changes, with `work`), `remaining changes`
/// (with `everything`) or `dirty_left`. Capped files always go to `dirty_left`.
fn finish(
    mut plan: AutocommitPlan,
    pool: Vec<Pending<'_>>,
    rules: &AutocommitConfig,
    turn: TurnOf,
) -> AutocommitPlan {
    let work = rules.work && turn.work;
    let (mut committed, kind) = (
        Vec::new(),
        if work {
            GroupKind::Work
        } else {
            GroupKind::Remaining
        },
    );
    // An ignored file a rule named but no step took stays out of sight, as ignored files do.
    for p in pool.into_iter().filter(|p| !p.dirty.ignored) {
        let changed = turn.changed(p.dirty);
        let take = !p.capped && ((work && changed) || rules.everything);
        if take {
            committed.push(p.dirty.path.clone());
        } else {
            plan.dirty_left.push(p.dirty.path.clone());
            if changed {
                plan.turn_left.push(p.dirty.path.clone());
            }
        }
    }
    if !committed.is_empty() {
        committed.sort();
        plan.groups.push(CommitGroup {
            kind,
            paths: committed,
        });
    }
    plan.dirty_left.sort();
    plan.turn_left.sort();
    plan
}

/// The subject of an auto-commit: `SUPERVISOR AUTO (prompt=<p>) (iter=<NNNNN>): <what>` for
/// galph, `RALPH AUTO …` for ralph, the name in capitals for any other actor (`SEC AUTO …`);
/// the iteration is zero-padded to 5 digits.
#[must_use]
pub(crate) fn commit_subject(
    actor: Actor,
    prompt: &str,
    iteration: u64,
    kind: GroupKind,
) -> String {
    let who = match actor {
        Actor::GALPH => "SUPERVISOR".to_owned(),
        other => other.as_str().to_ascii_uppercase(),
    };
    format!(
        "{who} AUTO (prompt={prompt}) (iter={iteration:05}): {}",
        kind.label()
    )
}

/// The full message of an auto-commit: the subject, a blank line, `Files:`, then one
/// ` - path` line per file, ending in a newline.
#[must_use]
pub(crate) fn commit_message(
    actor: Actor,
    prompt: &str,
    iteration: u64,
    group: &CommitGroup,
) -> String {
    let mut msg = commit_subject(actor, prompt, iteration, group.kind);
    msg.push_str("\n\nFiles:\n");
    for path in &group.paths {
        msg.push_str(" - ");
        msg.push_str(path);
        msg.push('\n');
    }
    msg
}

/// Makes the plan's commits, one per group, in order. Subjects
/// `SUPERVISOR AUTO (prompt=<p>) (iter=<NNNNN>): <what>` for galph, `RALPH AUTO …` for ralph;
/// body `Files:` then ` - path` lines (see [`commit_message`]); each commit is an
/// `autocommit` event. Returns the commit subjects. With `dry_run`, emits a notice
/// `[autocommit] would commit: <subject>` with the ` - path` lines and commits nothing.
///
/// # Errors
/// [`GitError`] from staging or committing; earlier groups stay committed.
pub(crate) fn apply_plan(
    repo: &Repo,
    plan: &AutocommitPlan,
    actor: Actor,
    prompt: &str,
    iteration: u64,
    dry_run: bool,
    events: &crate::events::Events,
) -> Result<Vec<String>, GitError> {
    let mut subjects = Vec::with_capacity(plan.groups.len());
    for group in plan.groups.iter().filter(|g| !g.paths.is_empty()) {
        let subject = commit_subject(actor, prompt, iteration, group.kind);
        if dry_run {
            let mut text = format!("[autocommit] would commit: {subject}");
            for path in &group.paths {
                text.push_str(&format!("\n - {path}"));
            }
            info_line!(events, "{text}");
        } else {
            let message = commit_message(actor, prompt, iteration, group);
            let sha = repo.commit_paths(&group.paths, &message)?;
            events.committed(crate::events::CommitKind::Autocommit, &sha, &subject);
        }
        subjects.push(subject);
    }
    Ok(subjects)
}
