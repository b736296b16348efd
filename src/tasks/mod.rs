//! Tasks: the supervisor's plan as files, one task each (`docs/configuration.md`, workers).
//!
//! The supervisor writes `tasks/<id>.md`; a worker takes one open task, and its landing moves
//! the file to `tasks/done/<id>.md`. A task file may start with a line `depends: [id, …]`: it is
//! taken only once those tasks are done. The [`Board`] is built from the files of the shared
//! branch (pure: the caller reads them), and says which tasks may be taken now and what is
//! wrong with the others (an unknown dependency, a cycle, a name that cannot be a branch) — those
//! go to the supervisor's next prompt, and never run.

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The largest task file taken (bytes); a larger one is reported, not run.
pub const TASK_MAX_BYTES: usize = 256 * 1024;

/// The folder of done tasks, under the tasks folder.
pub const DONE_DIR: &str = "done";

/// One open task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Task {
    /// The file name without `.md`: `[A-Za-z0-9][A-Za-z0-9._-]*`, at most 64 bytes.
    pub id: String,
    /// The whole file, `depends:` line included (UTF-8, lossy).
    pub text: String,
    /// The tasks it waits for.
    pub depends: Vec<String>,
}

/// Something wrong with a task file; it is not run, and the supervisor is told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The file name cannot be a task id (it names a branch and a worktree).
    BadName(String),
    /// The file is larger than [`TASK_MAX_BYTES`].
    TooLarge(String),
    /// The `depends:` line cannot be read.
    BadDepends {
        /// The task.
        id: String,
        /// What is wrong.
        message: String,
    },
    /// A dependency names no task, open or done.
    UnknownDependency {
        /// The task.
        id: String,
        /// The id it names.
        missing: String,
    },
    /// These tasks wait for each other.
    Cycle(Vec<String>),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::BadName(name) => write!(
                f,
                "`{name}` is not a task id: a letter or digit first, then letters, digits, `.`, \
                 `-` or `_`, at most 64, ending in `.md`"
            ),
            Problem::TooLarge(name) => {
                write!(f, "`{name}` is larger than {} KiB", TASK_MAX_BYTES / 1024)
            }
            Problem::BadDepends { id, message } => write!(f, "task `{id}`: {message}"),
            Problem::UnknownDependency { id, missing } => {
                write!(f, "task `{id}` depends on `{missing}`, which is no task")
            }
            Problem::Cycle(ids) => write!(f, "tasks {} depend on each other", ids.join(" → ")),
        }
    }
}

/// The tasks of the shared branch: open ones, done ones, and problems.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Board {
    /// Open tasks, by id.
    pub open: BTreeMap<String, Task>,
    /// Ids of done tasks (`done/<id>.md`).
    pub done: BTreeSet<String>,
    /// What is wrong with some files; those tasks are not taken.
    pub problems: Vec<Problem>,
}

/// Whether `id` can name a task (and so a branch `baton/<worker>/<id>`).
#[must_use]
pub fn is_task_id(id: &str) -> bool {
    let mut chars = id.chars();
    id.len() <= 64
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        && !id.contains("..")
        && !id.ends_with(".lock")
}

/// Reads a first line `depends: [a, b]` (or `depends: a, b`); `None` when the file does not
/// start with one.
///
/// # Errors
/// A message when the line is there but a listed id is not a task id.
pub fn parse_depends(text: &str) -> Option<Result<Vec<String>, String>> {
    let first = text.lines().next()?.trim();
    let rest = first.strip_prefix("depends:")?.trim();
    let inner = rest
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(rest);
    let ids: Vec<String> = inner
        .split(',')
        .map(|s| s.trim().trim_matches(['"', '\'']).to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    Some(match ids.iter().find(|id| !is_task_id(id)) {
        Some(bad) => Err(format!("`depends:` names `{bad}`, which is not a task id")),
        None => Ok(ids),
    })
}

impl Board {
    /// The board of the files under the tasks folder: `files` holds each file's path relative
    /// to that folder (`a.md`, `done/b.md`) and its bytes. Other files (not `.md`, deeper
    /// folders) are ignored.
    pub fn from_files(files: impl IntoIterator<Item = (String, Vec<u8>)>) -> Board {
        let mut board = Board::default();
        let mut seen = Vec::new();
        for (path, bytes) in files {
            let (done, name) = match path.split_once('/') {
                Some((DONE_DIR, name)) if !name.contains('/') => (true, name),
                Some(_) => continue,
                None => (false, path.as_str()),
            };
            let Some(id) = name.strip_suffix(".md") else {
                continue;
            };
            if !is_task_id(id) {
                board.problems.push(Problem::BadName(path.clone()));
                continue;
            }
            if done {
                board.done.insert(id.to_owned());
                continue;
            }
            if bytes.len() > TASK_MAX_BYTES {
                board.problems.push(Problem::TooLarge(path.clone()));
                continue;
            }
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let depends = match parse_depends(&text) {
                None => Vec::new(),
                Some(Ok(ids)) => ids,
                Some(Err(message)) => {
                    board.problems.push(Problem::BadDepends {
                        id: id.to_owned(),
                        message,
                    });
                    continue;
                }
            };
            seen.push(id.to_owned());
            let id = id.to_owned();
            board.open.insert(id.clone(), Task { id, text, depends });
        }
        // A task both open and done is done (a landing moved it; a copy came back).
        board.open.retain(|id, _| !board.done.contains(id));
        board.find_dependency_problems();
        board
    }

    /// Ids of open tasks that can never be taken: a dependency is unknown, or in a cycle, or
    /// waits for such a task.
    fn blocked(&self) -> BTreeSet<String> {
        let mut blocked: BTreeSet<String> = BTreeSet::new();
        for problem in &self.problems {
            match problem {
                Problem::UnknownDependency { id, .. } | Problem::BadDepends { id, .. } => {
                    blocked.insert(id.clone());
                }
                Problem::Cycle(ids) => blocked.extend(ids.iter().cloned()),
                Problem::BadName(_) | Problem::TooLarge(_) => {}
            }
        }
        // Whatever waits for a blocked task is blocked too.
        loop {
            let more: Vec<String> = self
                .open
                .values()
                .filter(|t| !blocked.contains(&t.id))
                .filter(|t| t.depends.iter().any(|d| blocked.contains(d)))
                .map(|t| t.id.clone())
                .collect();
            if more.is_empty() {
                return blocked;
            }
            blocked.extend(more);
        }
    }

    fn find_dependency_problems(&mut self) {
        for task in self.open.values() {
            for dep in &task.depends {
                if !self.open.contains_key(dep) && !self.done.contains(dep) {
                    self.problems.push(Problem::UnknownDependency {
                        id: task.id.clone(),
                        missing: dep.clone(),
                    });
                }
            }
        }
        let mut reported: BTreeSet<String> = BTreeSet::new();
        for start in self.open.keys() {
            if reported.contains(start) {
                continue;
            }
            if let Some(cycle) = self.cycle_from(start) {
                reported.extend(cycle.iter().cloned());
                self.problems.push(Problem::Cycle(cycle));
            }
        }
    }

    /// A cycle of open tasks through `start`, if any (depth-first along `depends`).
    fn cycle_from(&self, start: &str) -> Option<Vec<String>> {
        let mut path = vec![start.to_owned()];
        let mut next_dep = vec![0usize];
        while let Some(top) = path.last().cloned() {
            let depth = path.len() - 1;
            let deps = self.open.get(&top).map_or(&[][..], |t| &t.depends[..]);
            let Some(dep) = deps.get(next_dep[depth]) else {
                path.pop();
                next_dep.pop();
                continue;
            };
            next_dep[depth] += 1;
            if dep == start {
                return Some(path);
            }
            if self.open.contains_key(dep) && !path.contains(dep) && path.len() < self.open.len() {
                path.push(dep.clone());
                next_dep.push(0);
            }
        }
        None
    }

    /// Whether some open task can still be run: taken now, or once the open tasks it depends
    /// on are done (a task a problem blocks never will).
    #[must_use]
    pub fn has_work(&self) -> bool {
        let blocked = self.blocked();
        self.open.keys().any(|id| !blocked.contains(id))
    }

    /// Open tasks that may be taken now, by id: every dependency done, no problem, and not in
    /// `busy` (running, or failed in the current step).
    #[must_use]
    pub fn takeable(&self, busy: &BTreeSet<String>) -> Vec<&Task> {
        let blocked = self.blocked();
        self.open
            .values()
            .filter(|t| !blocked.contains(&t.id) && !busy.contains(&t.id))
            .filter(|t| t.depends.iter().all(|d| self.done.contains(d)))
            .collect()
    }

    /// The problems as lines for the supervisor's prompt (empty when there are none).
    #[must_use]
    pub fn problem_lines(&self) -> Vec<String> {
        self.problems.iter().map(ToString::to_string).collect()
    }
}
