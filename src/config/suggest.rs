//! "Did you mean" for misspelt keys: the closest valid key in the same section, else the closest
//! dotted key anywhere (so a top-level `mode:` suggests `router.mode`).

use strsim::jaro_winkler;

use crate::config::keys;

/// Similarity (Jaro-Winkler, 0..=1) a candidate needs to be suggested.
const THRESHOLD: f64 = crate::text::SIMILAR;

/// The suggestion for unknown key `field` in `section` (`""` = top level): a sibling key name,
/// or a full dotted key from another section.
pub(super) fn suggest(section: &str, field: &str) -> Option<String> {
    // A literal dotted key (`router.mdoe:` at the top level) is compared with full names only.
    let dotted_field = field.contains('.');
    let siblings = if dotted_field {
        Vec::new()
    } else {
        keys::children(section)
    };
    if let Some(best) = best_match(field, siblings.iter().map(|k| (*k, *k))) {
        return Some(best.to_owned());
    }
    let dotted: Vec<String> = all_dotted_keys()
        .filter(|(sec, _)| *sec != section || dotted_field)
        .map(|(sec, key)| join(sec, key))
        .collect();
    let candidates = dotted.iter().map(|full| {
        let last = full.rsplit('.').next().unwrap_or(full);
        (
            if dotted_field { full.as_str() } else { last },
            full.as_str(),
        )
    });
    best_match(field, candidates).map(str::to_owned)
}

/// `section.key`, or `key` at the top level.
pub(super) fn join(section: &str, key: &str) -> String {
    if section.is_empty() {
        key.to_owned()
    } else {
        format!("{section}.{key}")
    }
}

fn all_dotted_keys() -> impl Iterator<Item = (&'static str, &'static str)> {
    keys::KEYS.iter().map(|k| keys::split(k.name))
}

/// The candidate (compared text, reported text) whose compared text is most similar to `field`,
/// if similar enough.
fn best_match<'a>(
    field: &str,
    candidates: impl Iterator<Item = (&'a str, &'a str)>,
) -> Option<&'a str> {
    let field = field.to_ascii_lowercase();
    candidates
        .map(|(compared, reported)| (jaro_winkler(&field, compared), reported))
        .filter(|(score, _)| *score >= THRESHOLD)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, reported)| reported)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_a_sibling_first() {
        assert_eq!(suggest("router", "mdoe").as_deref(), Some("mode"));
        assert_eq!(suggest("", "prompt_dir").as_deref(), Some("prompts_dir"));
        assert_eq!(
            suggest("git", "polling_interval").as_deref(),
            Some("poll_interval")
        );
    }

    #[test]
    fn suggests_a_dotted_key_from_another_section() {
        assert_eq!(suggest("", "mode").as_deref(), Some("router.mode"));
        assert_eq!(suggest("", "router.mdoe").as_deref(), Some("router.mode"));
        assert_eq!(suggest("", "heartbeet").as_deref(), Some("agent.heartbeat"));
    }

    #[test]
    fn stays_silent_for_unrelated_names() {
        assert_eq!(suggest("", "zzzzqqq"), None);
    }
}
