//! A deterministic stand-in for a fuzzer: mutated YAML must give `Ok` or an error, never a
//! panic, and every error must name the file.

use std::panic::{AssertUnwindSafe, catch_unwind};

use super::{load_text, yaml_path};
use crate::config::ConfigError;

const SEED: &str = "\
# seed
prompts_dir: prompts
prompts:
  supervisor: supervisor.md
review_every_n: 2
router:
  enabled: true
  mode: router-first
  prompt: router.md
  allowlist: [supervisor.md, reviewer.md]
agent:
  default: codex
  roles: {galph: claude, loop: codex}
  commands:
    mine: ['./run.sh', --fast]
  timeout: 1.5h
  heartbeat: 0
git:
  branch: main
  poll_interval: 500ms
  lease: 10m
autocommit:
  report_extensions: [md, .TXT]
  never: [logs/]
spec_bootstrap: {a: 1}
workflow:
  name: standard
";

/// Characters that matter to YAML, plus a few that do not.
const ALPHABET: &[char] = &[
    ':', '-', ' ', '\n', '[', ']', '{', '}', '\'', '"', '#', '&', '*', '!', '|', '>', '0', '9',
    'a', '.', ',', '\t', '%', '@', '~', '?', 'é',
];

/// xorshift64: small, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap_or(0)
    }
}

/// Applies one random edit (insert, delete, replace, duplicate a line, swap lines) to `chars`.
fn mutate(rng: &mut Rng, chars: &mut Vec<char>) {
    let at = rng.below(chars.len() + 1);
    match rng.below(5) {
        0 => chars.insert(at, ALPHABET[rng.below(ALPHABET.len())]),
        1 if at < chars.len() => {
            let end = (at + 1 + rng.below(8)).min(chars.len());
            chars.drain(at..end);
        }
        2 if at < chars.len() => chars[at] = ALPHABET[rng.below(ALPHABET.len())],
        3 | 4 => {
            let text: String = chars.iter().collect();
            let mut lines: Vec<&str> = text.lines().collect();
            if lines.is_empty() {
                return;
            }
            let (i, j) = (rng.below(lines.len()), rng.below(lines.len()));
            if rng.below(2) == 0 {
                lines.insert(j, lines[i]);
            } else {
                lines.swap(i, j);
            }
            *chars = lines.join("\n").chars().collect();
        }
        _ => {}
    }
}

#[test]
fn mutated_yaml_never_panics() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut ok, mut failed) = (0, 0);
    for case in 0..600 {
        let mut chars: Vec<char> = SEED.chars().collect();
        for _ in 0..=rng.below(4) {
            mutate(&mut rng, &mut chars);
        }
        let text: String = chars.into_iter().collect();
        let result = catch_unwind(AssertUnwindSafe(|| load_text(&text)));
        match result {
            Ok(Ok(_)) => ok += 1,
            Ok(Err(ConfigError::Invalid { path, .. })) => {
                assert_eq!(path, yaml_path());
                failed += 1;
            }
            Ok(Err(other)) => panic!("case {case}: unexpected error kind {other:?}"),
            Err(_) => panic!("case {case}: panicked on input:\n{text}"),
        }
    }
    // Both outcomes occur, so the mutations exercise the success and the error paths.
    assert!(ok > 20 && failed > 20, "ok {ok}, failed {failed}");
}
