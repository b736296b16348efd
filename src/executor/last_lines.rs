//! The last lines of a text stream, kept without reading the rest: what Baton reads of a text
//! agent's stdout and of every agent's stderr (a usage limit or a transient error, and the
//! final message, are at the end of the output).
//!
//! Why not every line: an agent may print millions of lines; reading each one (a UTF-8 check,
//! a copy, an allocation) made Baton stream at a third of `cat`'s speed. Each chunk is searched
//! backwards from its end (`memrchr`) for the newest lines only (as many as it keeps), so the
//! cost of a chunk does not depend on how many lines it holds, and no memory is allocated once
//! the kept lines' buffers have grown.

use std::collections::VecDeque;

/// The newest non-blank lines of a stream (without their `\n`), at most `capacity` of them, each
/// at most `limit` bytes: a longer line is never read.
pub(super) struct LastLines {
    /// Oldest first.
    lines: VecDeque<Vec<u8>>,
    /// Buffers of lines pushed out, reused for the next ones.
    spare: Vec<Vec<u8>>,
    /// Where the lines found in the chunk being read are (start and end offsets), newest first.
    found: Vec<(usize, usize)>,
    /// The line being read (no `\n` yet), while it fits `limit`.
    partial: Vec<u8>,
    /// The line being read is longer than `limit`: it is skipped to its end.
    overlong: bool,
    capacity: usize,
    limit: usize,
}

impl LastLines {
    /// Keeps the newest `capacity` non-blank lines of at most `limit` bytes.
    pub(super) fn new(capacity: usize, limit: usize) -> LastLines {
        LastLines {
            lines: VecDeque::with_capacity(capacity),
            spare: Vec::new(),
            found: Vec::with_capacity(capacity),
            partial: Vec::new(),
            overlong: false,
            capacity,
            limit,
        }
    }

    /// Reads `chunk`, the next bytes of the stream.
    pub(super) fn feed(&mut self, chunk: &[u8]) {
        let Some(last_newline) = memchr::memrchr(b'\n', chunk) else {
            self.extend_partial(chunk);
            return;
        };
        // Newest first: the complete lines of the chunk that can still be among the newest
        // `capacity`, then the first line, which continues the partial one.
        let mut found = std::mem::take(&mut self.found);
        found.clear();
        let mut end = last_newline;
        let mut joins_partial = false;
        while found.len() < self.capacity {
            match memchr::memrchr(b'\n', &chunk[..end]) {
                Some(newline) => {
                    if self.readable(&chunk[newline + 1..end]) {
                        found.push((newline + 1, end));
                    }
                    end = newline;
                }
                None => {
                    joins_partial = !self.overlong
                        && self.partial.len() + end <= self.limit
                        && !blank_parts(&self.partial, &chunk[..end]);
                    break;
                }
            }
        }
        if joins_partial {
            let spare = self.spare.pop().unwrap_or_default();
            let mut line = std::mem::replace(&mut self.partial, spare);
            line.extend_from_slice(&chunk[..end]);
            self.push(line);
        }
        for &(start, end) in found.iter().rev() {
            let mut line = self.spare.pop().unwrap_or_default();
            line.clear();
            line.extend_from_slice(&chunk[start..end]);
            self.push(line);
        }
        self.found = found;
        self.partial.clear();
        self.overlong = false;
        self.extend_partial(&chunk[last_newline + 1..]);
    }

    /// Ends the stream: the unterminated last line, if any, is read too. Returns the kept
    /// lines, oldest first.
    pub(super) fn finish(mut self) -> VecDeque<Vec<u8>> {
        if !self.overlong && !blank_parts(&self.partial, &[]) {
            let line = std::mem::take(&mut self.partial);
            self.push(line);
        }
        self.lines
    }

    fn readable(&self, line: &[u8]) -> bool {
        line.len() <= self.limit && !blank_parts(line, &[])
    }

    fn extend_partial(&mut self, bytes: &[u8]) {
        if self.overlong {
            return;
        }
        if self.partial.len() + bytes.len() > self.limit {
            self.partial.clear();
            self.overlong = true;
        } else {
            self.partial.extend_from_slice(bytes);
        }
    }

    fn push(&mut self, line: Vec<u8>) {
        if self.lines.len() == self.capacity
            && let Some(old) = self.lines.pop_front()
        {
            self.spare.push(old);
        }
        if self.capacity > 0 {
            self.lines.push_back(line);
        }
    }
}

/// Whether the line made of `head` then `tail` is blank: only whitespace, as `str::trim` sees
/// it (a line that is not UTF-8 is not blank: its replacement characters are not whitespace).
fn blank_parts(head: &[u8], tail: &[u8]) -> bool {
    let ascii_blank = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r');
    if head.iter().chain(tail).all(ascii_blank) {
        return true;
    }
    if head.is_ascii() && tail.is_ascii() {
        return false;
    }
    let mut line = head.to_vec();
    line.extend_from_slice(tail);
    std::str::from_utf8(&line).is_ok_and(|s| s.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the kept lines must be: every line of the stream (the last one even without a
    /// newline), the blank and the overlong ones left out, the newest `capacity`.
    fn model(stream: &[u8], capacity: usize, limit: usize) -> Vec<Vec<u8>> {
        let mut lines: Vec<&[u8]> = stream.split(|&b| b == b'\n').collect();
        if stream.ends_with(b"\n") || stream.is_empty() {
            lines.pop(); // the empty piece after the last newline is no line
        }
        let kept: Vec<Vec<u8>> = lines
            .into_iter()
            .filter(|l| l.len() <= limit && !String::from_utf8_lossy(l).trim().is_empty())
            .map(<[u8]>::to_vec)
            .collect();
        kept[kept.len().saturating_sub(capacity)..].to_vec()
    }

    fn read(chunks: &[&[u8]], capacity: usize, limit: usize) -> Vec<Vec<u8>> {
        let mut lines = LastLines::new(capacity, limit);
        for chunk in chunks {
            lines.feed(chunk);
        }
        lines.finish().into_iter().collect()
    }

    /// A small deterministic generator (xorshift64*), so that failures reproduce.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
            usize::try_from(x % n as u64).expect("below n")
        }
    }

    #[test]
    fn any_stream_cut_anyhow_keeps_the_newest_readable_lines() {
        // Bytes that make lines, blanks (spaces, tabs, `\r`, a no-break space), non-UTF-8 and
        // long runs.
        let alphabet: [&[u8]; 8] = [
            b"a",
            b"\n",
            b" ",
            b"\r",
            b"\t",
            "\u{a0}".as_bytes(),
            b"\xff",
            b"bbbbbbb",
        ];
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for case in 0..3000 {
            let mut stream = Vec::new();
            for _ in 0..rng.below(120) {
                stream.extend_from_slice(alphabet[rng.below(alphabet.len())]);
            }
            let mut chunks = Vec::new();
            let mut rest = &stream[..];
            while !rest.is_empty() {
                let (chunk, after) = rest.split_at(1 + rng.below(rest.len()));
                chunks.push(chunk);
                rest = after;
            }
            let capacity = rng.below(6);
            let limit = 1 + rng.below(24);
            assert_eq!(
                read(&chunks, capacity, limit),
                model(&stream, capacity, limit),
                "case {case}: {:?} in {} chunks, capacity {capacity}, limit {limit}",
                String::from_utf8_lossy(&stream),
                chunks.len()
            );
        }
    }

    #[test]
    fn a_million_lines_leave_only_the_last_ones() {
        let mut lines = LastLines::new(3, 4096);
        let chunk = "x".repeat(79) + "\n";
        let chunk = chunk.repeat(800);
        for _ in 0..1250 {
            lines.feed(chunk.as_bytes());
        }
        lines.feed(b"Error: 429 Too Many Requests\nno newline at the end");
        let kept: Vec<String> = lines
            .finish()
            .into_iter()
            .map(|l| String::from_utf8(l).expect("utf-8"))
            .collect();
        assert_eq!(
            kept,
            [
                "x".repeat(79).as_str(),
                "Error: 429 Too Many Requests",
                "no newline at the end"
            ]
        );
    }
}
