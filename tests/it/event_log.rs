//! The event log as the documentation defines it: `events` reads a workspace's
//! `logs/events.jsonl` and checks every line against the schema table in docs/state.md, so the
//! code and its documentation cannot drift apart.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::common::TestEnv;

/// The event schema as docs/state.md documents it: each `kind` of the "Event log" table with
/// its field names (the backticked names outside parentheses, before a `:` or `;` that starts
/// the prose).
fn documented_schema() -> BTreeMap<String, BTreeSet<String>> {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/state.md"))
        .expect("docs/state.md");
    let table = docs
        .split("## Event log")
        .nth(1)
        .expect("an Event log section")
        .split("\n## ")
        .next()
        .unwrap_or_default();
    let mut schema = BTreeMap::new();
    for row in table.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let kind = cells[1].trim_matches('`').to_owned();
        let mut fields = BTreeSet::new();
        let (mut depth, mut in_name, mut name) = (0, false, String::new());
        for c in cells[2].chars() {
            match c {
                '`' if depth == 0 => {
                    if in_name {
                        fields.insert(std::mem::take(&mut name));
                    }
                    in_name = !in_name;
                }
                _ if in_name => name.push(c),
                '(' => depth += 1,
                ')' => depth -= 1,
                ':' | ';' if depth == 0 => break,
                _ => {}
            }
        }
        schema.insert(kind, fields);
    }
    assert!(schema.len() >= 20, "the table was read: {schema:?}");
    schema
}

/// The events of `env`'s log, each checked against the documented schema: `v`, `seq` from 1 up
/// by one, `ts` as `YYYY-MM-DDTHH:MM:SSZ`, `pid`, a documented `kind` with exactly the fields the
/// documentation lists for it (each present, possibly null), and `worker` and `task` on the
/// events of a worker's own turn.
pub(crate) fn events(env: &TestEnv) -> Vec<Value> {
    let schema = documented_schema();
    let text = env.read("logs/events.jsonl");
    let events: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["v"], 1, "{e}");
        assert_eq!(e["seq"].as_u64(), Some(i as u64 + 1), "{e}");
        let ts = e["ts"].as_str().expect("ts");
        assert!(
            ts.len() == 20 && ts.ends_with('Z') && ts.as_bytes()[10] == b'T',
            "{ts}"
        );
        assert!(e["pid"].as_u64().is_some(), "{e}");
        let kind = e["kind"].as_str().expect("kind");
        let documented = schema
            .get(kind)
            .unwrap_or_else(|| panic!("kind {kind} is not documented in docs/state.md"));
        let mut fields: BTreeSet<String> = e
            .as_object()
            .expect("an object")
            .keys()
            .filter(|k| !["v", "seq", "ts", "pid", "kind"].contains(&k.as_str()))
            .cloned()
            .collect();
        // An event of a worker's own turn carries `worker` and `task` besides its own fields.
        if !documented.contains("worker") && fields.contains("worker") {
            assert!(
                fields.remove("task"),
                "a worker's event names its task: {e}"
            );
            fields.remove("worker");
        }
        assert_eq!(&fields, documented, "the fields of {e}");
    }
    events
}

/// The events of `kind`, in order.
pub(crate) fn of_kind<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["kind"] == kind).collect()
}
