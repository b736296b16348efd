//! Strict loading and atomic saving of `sync/state.json`.

use std::fs::{File, OpenOptions};
use std::io::{self, Read as _};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};

use crate::fsutil;
use crate::state::State;
use crate::state::parse::parse;
use crate::state::validate::MAX_COUNTER;

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
    /// The path is a FIFO, a directory, a device or a socket (exit 2). Never opened for
    /// reading: a FIFO would block the reader until someone writes to it.
    #[error("state file `{}` is not a regular file (it is a {kind})", path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// What it is: `FIFO`, `directory`, `socket`, `character device`, `block device`.
        kind: &'static str,
    },
    /// `generation` is at its largest value; one more write would leave the documented range
    /// (exit 2, nothing written).
    #[error(
        "state file `{}`: `generation` is {generation}, the largest a write may reach is \
         {MAX_COUNTER}",
        path.display()
    )]
    GenerationExhausted {
        /// The file.
        path: PathBuf,
        /// The generation in memory.
        generation: u64,
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
    /// Only a regular file is read: the type is checked before opening (a FIFO would block the
    /// reader, a device may act on open), and again on the open file, which is opened
    /// non-blocking in case the path was replaced in between.
    ///
    /// # Errors
    /// [`StateError::Read`] for io errors, [`StateError::NotAFile`] for anything but a regular
    /// file, [`StateError::Invalid`] for bad content.
    pub fn load(&self) -> Result<Option<LoadedState>, StateError> {
        self.load_declared(&|_| true)
    }

    /// [`StateStore::load`], also refusing a state that names an actor `declared` says is not
    /// one (the configuration's actors): in `expected_actor`, `last_prompt_actor`, `status`,
    /// `approval.actor`, a note's `to` or `commits`.
    ///
    /// # Errors
    /// As [`StateStore::load`]; [`StateError::Invalid`] positioned at the field naming an
    /// undeclared actor.
    pub fn load_declared(
        &self,
        declared: &dyn Fn(crate::state::Actor) -> bool,
    ) -> Result<Option<LoadedState>, StateError> {
        let read_err = |source| StateError::Read {
            path: self.path.clone(),
            source,
        };
        match std::fs::metadata(&self.path) {
            Ok(meta) => self.require_regular(&meta)?,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(read_err(source)),
        }
        let mut file = match open_nonblocking(&self.path) {
            Ok(file) => file,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(read_err(source)),
        };
        self.require_regular(&file.metadata().map_err(read_err)?)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(read_err)?;
        let loaded = parse(&self.path, &bytes)?;
        crate::state::parse::check_actors(&self.path, &bytes, &loaded.state, declared)?;
        Ok(Some(loaded))
    }

    /// [`StateError::NotAFile`] unless `meta` is a regular file's.
    fn require_regular(&self, meta: &std::fs::Metadata) -> Result<(), StateError> {
        match fsutil::special_kind(meta) {
            None => Ok(()),
            Some(kind) => Err(StateError::NotAFile {
                path: self.path.clone(),
                kind,
            }),
        }
    }

    /// Increments `state.generation`, sets nothing else, and writes the file atomically
    /// (temp file in the same directory, fsync, rename; 2-space indent, trailing newline).
    /// Creates the parent directory when missing. On failure the increment is undone, so
    /// `state.generation` always matches the last successful write.
    ///
    /// A generation never wraps: at the documented maximum (2^53 − 1) nothing is written.
    ///
    /// # Errors
    /// [`StateError::GenerationExhausted`] (exit 2, nothing written), [`StateError::Write`].
    pub fn save(&self, state: &mut State) -> Result<(), StateError> {
        let generation = state.generation;
        state.generation = self.next_generation(generation)?;
        self.write(state).inspect_err(|_| {
            state.generation = generation;
        })
    }

    /// [`Self::save`] for a turn's running marker, whose turn record is written durably right
    /// after it: the file is never torn, but its rename is not synced on its own. After a power
    /// loss before the record is on disk, the previous state is found, and the turn, which never
    /// got its stamp, runs again as it would from the marker; after it, the record restores the
    /// marker if the state is unreadable (see `turn::record`). One sync instead of two.
    ///
    /// # Errors
    /// As [`Self::save`].
    pub fn save_claim(&self, state: &mut State) -> Result<(), StateError> {
        let generation = state.generation;
        state.generation = self.next_generation(generation)?;
        fsutil::write_atomic_as(&self.path, &to_bytes(state), fsutil::Durability::Untorn).map_err(
            |source| {
                state.generation = generation;
                StateError::Write {
                    path: self.path.clone(),
                    source,
                }
            },
        )
    }

    /// The generation that follows `generation`.
    ///
    /// # Errors
    /// [`StateError::GenerationExhausted`] at the documented maximum (2^53 − 1): a generation
    /// never wraps.
    pub fn next_generation(&self, generation: u64) -> Result<u64, StateError> {
        generation
            .checked_add(1)
            .filter(|next| *next <= MAX_COUNTER)
            .ok_or_else(|| StateError::GenerationExhausted {
                path: self.path.clone(),
                generation,
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

/// Opens `path` for reading without blocking on a FIFO (`O_NONBLOCK`).
fn open_nonblocking(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NONBLOCK)
        .open(path)
}

/// Serializes `state` as written to disk (2-space indent, field order of `docs/state.md`, newline).
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
