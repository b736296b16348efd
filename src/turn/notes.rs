//! How people's notes reach a turn's agent: appended to its prompt, every note whole, and in
//! `BATON_NOTE`, their texts one per line up to [`ENV_MAX`] bytes.

use crate::state::Note;

/// The most `BATON_NOTE` holds (bytes): Linux refuses to start a program with a variable over
/// 128 KiB (E2BIG), and a note stays until its turn succeeds, so an oversized one would fail
/// every turn.
const ENV_MAX: usize = 64 * 1024;

/// The marker that ends a cut `BATON_NOTE`.
const ENV_CUT: &str = "\n(cut: every note is in the prompt)";

/// What follows the prompt: `---`, a heading, and `- <text> (<from>, <at>)` per note.
pub(super) fn prompt_part(notes: &[Note]) -> String {
    let mut part = String::from("\n\n---\nNotes from people for this turn:\n");
    for note in notes {
        part.push_str(&format!("- {} ({}, {})\n", note.text, note.from, note.at));
    }
    part
}

/// `BATON_NOTE`: the notes' texts one per line, whole up to [`ENV_MAX`] bytes, else cut at a
/// character boundary and ended with [`ENV_CUT`] (the prompt has every note whole).
pub(super) fn env_value(notes: &[Note]) -> String {
    let texts: Vec<&str> = notes.iter().map(|n| n.text.as_str()).collect();
    cut(texts.join("\n"))
}

fn cut(mut text: String) -> String {
    if text.len() <= ENV_MAX {
        return text;
    }
    let mut end = ENV_MAX - ENV_CUT.len();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push_str(ENV_CUT);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_notes_are_cut_at_a_character_boundary() {
        assert_eq!(cut("short".to_owned()), "short");
        let long = "é".repeat(ENV_MAX); // two bytes each
        let text = cut(long);
        assert!(text.len() <= ENV_MAX, "{}", text.len());
        assert!(text.ends_with(ENV_CUT));
        assert!(text.trim_end_matches(ENV_CUT).chars().all(|c| c == 'é'));
    }

    #[test]
    fn every_note_goes_in_the_prompt_part() {
        let note = |text: &str| Note {
            to: None,
            text: text.to_owned(),
            from: "ann@laptop".to_owned(),
            at: "2026-11-23T10:00:00Z".to_owned(),
        };
        let notes = [note("one"), note("two")];
        assert_eq!(
            prompt_part(&notes),
            "\n\n---\nNotes from people for this turn:\n- one (ann@laptop, \
             2026-11-23T10:00:00Z)\n- two (ann@laptop, 2026-11-23T10:00:00Z)\n"
        );
        assert_eq!(env_value(&notes), "one\ntwo");
    }
}
