//! Strict loading and atomic saving of `sync/state.json`.

use std::io;
use std::path::{Path, PathBuf};

use crate::fsutil;
use crate::state::State;
use crate::state::parse::parse;

/// The Python tool's older formats, converted on the next write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LegacyFormat {
    /// The later Python format with `step_index` / `expected_step`.
    StepIndex,
}

/// A state read from disk.
#[derive(Clone, Debug)]
pub struct LoadedState {
    /// The state.
    pub state: State,
    /// Set when the file was in a legacy format (a notice is printed; converted on save).
    pub legacy: Option<LegacyFormat>,
}

/// Why the state file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Reading failed.
    #[error("read state file `{}`", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The io error.
        #[source]
        source: std::io::Error,
    },
    /// Invalid JSON, a wrong type or an unknown value (exit 2). The file is left untouched.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong (names the field where serde does).
        message: String,
    },
    /// Writing failed.
    #[error("write state file `{}`", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The io error.
        #[source]
        source: std::io::Error,
    },
}

impl StateError {
    /// Whether the file itself is at fault (unreadable or invalid: exit 2, nothing written),
    /// rather than a failed write (exit 1).
    #[must_use]
    pub fn is_invalid_input(&self) -> bool {
        !matches!(self, StateError::Write { .. })
    }
}

/// The state file at one path.
#[derive(Clone, Debug)]
pub struct StateStore {
    path: PathBuf,
}

impl StateStore {
    /// A store for the state file at `path` (absolute).
    #[must_use]
    pub fn new(path: PathBuf) -> Self {
        StateStore { path }
    }

    /// The state file's path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the state strictly; `Ok(None)` when the file does not exist.
    ///
    /// # Errors
    /// [`StateError::Read`] for io errors, [`StateError::Invalid`] for bad content.
    pub fn load(&self) -> Result<Option<LoadedState>, StateError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => parse(&self.path, &bytes).map(Some),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(StateError::Read {
                path: self.path.clone(),
                source,
            }),
        }
    }

    /// Increments `state.generation`, sets nothing else, and writes the file atomically
    /// (temp file in the same directory, fsync, rename; 2-space indent, trailing newline).
    /// Creates the parent directory when missing. On failure the increment is undone, so
    /// `state.generation` always matches the last successful write.
    ///
    /// # Errors
    /// [`StateError::Write`].
    pub fn save(&self, state: &mut State) -> Result<(), StateError> {
        state.generation = state.generation.wrapping_add(1);
        self.write(state).inspect_err(|_| {
            state.generation = state.generation.wrapping_sub(1);
        })
    }

    /// Writes `state` exactly as it is (its generation included) atomically, as [`Self::save`]
    /// does; for a stamp whose generation was decided beforehand.
    ///
    /// # Errors
    /// [`StateError::Write`].
    pub fn write(&self, state: &State) -> Result<(), StateError> {
        fsutil::write_atomic(&self.path, &to_bytes(state)).map_err(|source| StateError::Write {
            path: self.path.clone(),
            source,
        })
    }
}

/// Serializes `state` as written to disk (2-space indent, field order of SPEC §3, newline).
///
/// The known fields come first in struct order (`exit`/`exit_reason` only when set), then the
/// unknown keys of `extra` in their original order.
#[must_use]
pub fn to_bytes(state: &State) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(state)
        .expect("invariant: a State (string keys, JSON values) always serializes");
    bytes.push(b'\n');
    bytes
}
