//! Small text helpers every layer may use (they know nothing of Baton's own types): "did you
//! mean" matching and the short form of a commit SHA.

/// How similar (Jaro-Winkler, 0 to 1) a name must be to a known one to be suggested.
pub(crate) const SIMILAR: f64 = 0.8;

/// The candidate most similar to `name` (case-insensitively), when similar enough to be a typo.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let name = name.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&name, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score >= SIMILAR)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// The first 7 hex digits of a full SHA (the whole string when shorter): how commits are shown
/// to people; files and events keep the full 40.
#[must_use]
pub(crate) fn short_sha(full: &str) -> &str {
    full.get(..7).unwrap_or(full)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_only_near_names() {
        assert_eq!(closest("rlaph", ["galph", "ralph"]), Some("ralph"));
        assert_eq!(closest("Ralph", ["galph", "ralph"]), Some("ralph"));
        assert_eq!(closest("zzz", ["galph", "ralph"]), None);
        assert_eq!(short_sha("0123456789abcdef"), "0123456");
        assert_eq!(short_sha("01"), "01");
    }
}
