//! Where each key of a block-style YAML file sits, found by reading the text line by line.
//!
//! serde-saphyr reports a position for every error, but not the key it belongs to, and it keeps
//! no positions once a value has been parsed. This index fills both gaps for the common
//! block style (`key: value`, nested by indentation): it maps dotted key paths to the line and
//! column of the key, and a value's position back to the key that owns it. Keys inside list
//! items and flow collections on one line are not indexed; callers fall back to what saphyr
//! knows. It never fails: text it does not understand is skipped.

/// One indexed key: its dotted path and 1-based position.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    path: String,
    line: u64,
    column: u64,
}

/// The keys of one YAML text, in source order.
#[derive(Clone, Debug, Default)]
pub(super) struct KeyIndex {
    entries: Vec<Entry>,
}

impl KeyIndex {
    /// Indexes the block-style keys of `text`.
    pub(super) fn scan(text: &str) -> Self {
        let mut entries = Vec::new();
        // (indent, key) of the keys enclosing the current line.
        let mut stack: Vec<(usize, String)> = Vec::new();
        // Indentation of a key whose value is a block scalar (`|`, `>`): deeper lines are text.
        let mut block_scalar: Option<usize> = None;
        for (number, raw_line) in text.lines().enumerate() {
            let line = raw_line.trim_end_matches('\r');
            let body = line.trim_start_matches(' ');
            let indent = line.len() - body.len();
            if body.is_empty() || body.starts_with('#') {
                continue;
            }
            if block_scalar.is_some_and(|owner| indent > owner) {
                continue;
            }
            block_scalar = None;
            let Some((key, rest)) = split_key(body) else {
                continue;
            };
            while stack.last().is_some_and(|(i, _)| *i >= indent) {
                stack.pop();
            }
            stack.push((indent, key));
            let path = stack.iter().map(|(_, k)| k.as_str()).collect::<Vec<_>>();
            entries.push(Entry {
                path: path.join("."),
                line: number as u64 + 1,
                column: indent as u64 + 1,
            });
            if rest.starts_with('|') || rest.starts_with('>') {
                block_scalar = Some(indent);
            }
        }
        KeyIndex { entries }
    }

    /// The position (line, column) of the key `path` (dotted), or of its nearest indexed
    /// ancestor (a key written in flow style is not indexed, its block-style parent is).
    pub(super) fn position(&self, path: &str) -> Option<(u64, u64)> {
        let mut path = path;
        loop {
            if let Some(e) = self.entries.iter().find(|e| e.path == path) {
                return Some((e.line, e.column));
            }
            path = &path[..path.rfind('.')?];
        }
    }

    /// The dotted path of the key written exactly at (`line`, `column`).
    pub(super) fn key_at(&self, line: u64, column: u64) -> Option<&str> {
        self.entries
            .iter()
            .find(|e| e.line == line && e.column == column)
            .map(|e| e.path.as_str())
    }

    /// The dotted path of the key whose value contains (`line`, `column`): the last key that
    /// starts before that position and to its left.
    pub(super) fn owner_of(&self, line: u64, column: u64) -> Option<&str> {
        self.entries
            .iter()
            .rev()
            .find(|e| e.line <= line && e.column < column)
            .map(|e| e.path.as_str())
    }
}

/// Splits `key: rest` (plain or quoted key) into the key and the trimmed value text; `None` when
/// the line is not a mapping entry (a list item, a continuation, a document marker).
fn split_key(body: &str) -> Option<(String, &str)> {
    if body.starts_with('-') || body.starts_with('[') || body.starts_with('{') {
        return None;
    }
    let (key, after) = match body.chars().next()? {
        quote @ ('"' | '\'') => {
            let close = body[1..].find(quote)? + 1;
            (body[1..close].to_owned(), &body[close + 1..])
        }
        _ => {
            let colon = find_plain_colon(body)?;
            (body[..colon].trim_end().to_owned(), &body[colon..])
        }
    };
    let rest = after.strip_prefix(':')?;
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    Some((key, rest.trim_start()))
}

/// The byte index of the `:` ending a plain key: the first `:` followed by a blank or the end.
fn find_plain_colon(body: &str) -> Option<usize> {
    let bytes = body.as_bytes();
    (0..bytes.len())
        .find(|&i| bytes[i] == b':' && bytes.get(i + 1).is_none_or(|b| *b == b' ' || *b == b'\t'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
# comment
prompts_dir: prompts
router:
  enabled: true   # trailing
  mode: first
agent:
  commands:
    my-agent: [a, b]
    \"quoted.key\": [c]
  notes: |
    not: a key
  timeout: 5m
list:
  - item: not indexed
";

    #[test]
    fn indexes_nested_keys_with_positions() {
        let index = KeyIndex::scan(TEXT);
        assert_eq!(index.position("prompts_dir"), Some((2, 1)));
        assert_eq!(index.position("router.mode"), Some((5, 3)));
        assert_eq!(index.position("agent.commands.my-agent"), Some((8, 5)));
        assert_eq!(index.position("agent.commands.quoted.key"), Some((9, 5)));
        assert_eq!(index.position("agent.timeout"), Some((12, 3)));
        assert_eq!(index.position("agent.notes.not"), Some((10, 3)));
        assert_eq!(index.position("list.item"), Some((13, 1)));
        assert_eq!(index.position("nowhere.at.all"), None);
    }

    #[test]
    fn maps_positions_back_to_keys() {
        let index = KeyIndex::scan(TEXT);
        assert_eq!(index.key_at(5, 3), Some("router.mode"));
        assert_eq!(index.key_at(5, 9), None);
        assert_eq!(index.owner_of(5, 9), Some("router.mode"));
        assert_eq!(index.owner_of(8, 20), Some("agent.commands.my-agent"));
        assert_eq!(index.owner_of(14, 5), Some("list"));
    }
}
