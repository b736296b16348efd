//! Reading the newest entries of the journal: backwards from the end of the current segment,
//! then through the archives, never reading more than it returns (plus one chunk per file).

use std::io;
use std::os::unix::fs::FileExt as _;
use std::path::Path;

use crate::fsutil::open_regular_read;

use super::{Journal, JournalEntry, JournalError};

/// Bytes read per backward step.
const TAIL_CHUNK: u64 = 8 * 1024;

impl Journal {
    /// The last `n` entries, oldest first, from the current segment and, when it holds fewer,
    /// the archives (newest first); lines that do not parse are skipped. A missing journal gives
    /// an empty list.
    ///
    /// # Errors
    /// [`JournalError::Io`].
    pub(crate) fn tail(&self, n: usize) -> Result<Vec<JournalEntry>, JournalError> {
        let mut found: Vec<JournalEntry> = Vec::new();
        if n == 0 {
            return Ok(found);
        }
        let mut archives = None;
        let mut next = Some(self.path.clone());
        while let Some(path) = next {
            let mut older = tail_of(&path, n - found.len())?;
            older.append(&mut found);
            found = older;
            if found.len() >= n {
                break;
            }
            let list = match &mut archives {
                Some(list) => list,
                None => archives.insert(self.archives()?),
            };
            next = list.pop();
        }
        Ok(found)
    }
}

/// The last `n` entries of one segment file (empty when it is missing), oldest first: lines
/// are read backwards in chunks, and lines that do not parse are skipped without counting.
fn tail_of(path: &Path, n: usize) -> Result<Vec<JournalEntry>, JournalError> {
    let io_err = |source| JournalError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = match open_regular_read(path) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(io_err(source)),
    };
    let mut pos = file.metadata().map_err(io_err)?.len();
    let mut newest_first = Vec::new();
    let mut carry: Vec<u8> = Vec::new();
    while pos > 0 && newest_first.len() < n {
        let step = TAIL_CHUNK.min(pos);
        pos -= step;
        let mut buf = vec![0; usize::try_from(step).expect("invariant: a chunk is at most 8 KiB")];
        file.read_exact_at(&mut buf, pos).map_err(io_err)?;
        buf.append(&mut carry);
        let mut lines = buf.split(|&b| b == b'\n');
        // Unless the start of the file was read, the first piece may be part of a longer line.
        let partial = if pos > 0 { lines.next() } else { None };
        for line in lines.rev() {
            if newest_first.len() == n {
                break;
            }
            if let Ok(entry) = serde_json::from_slice(line) {
                newest_first.push(entry);
            }
        }
        carry = partial.map(<[u8]>::to_vec).unwrap_or_default();
    }
    newest_first.reverse();
    Ok(newest_first)
}
