//! Every key's effective value, what kind of value it takes, its variable and where the value
//! came from — what `baton check --json` shows under `"config"` so that a setting that does
//! not take effect can be seen.

use serde::Serialize;
use serde_json::{Value, json};

use crate::config::draft::Draft;
use crate::config::keys::{KEYS, Slot};
use crate::config::{Loaded, Since, format_duration, var_name};

/// One key as it is in force.
#[derive(Clone, Debug, Serialize)]
pub struct Setting {
    /// Dotted name: `agent.timeout`.
    pub key: &'static str,
    /// Its environment variable: `BATON_AGENT_TIMEOUT`.
    pub env: String,
    /// The kind of value: `path`, `name`, `name?` (may be none), `bool`, `count`, `count?`,
    /// `duration`, `duration?`, `usd`, `since`, `router-mode`, `list`, `extensions`,
    /// `patterns`, `commands` (argv lists), or a mapping: `actors`, `names`, `chains` (agent to
    /// agents), `formats`, `argvs` (agent to argv).
    pub kind: &'static str,
    /// The value in force, in JSON: paths absolute, durations as text (`2h`), amounts in US
    /// dollars, `null` for none.
    pub value: Value,
    /// Where it came from: `default`, `<file>:<line>:<col>`, the variable or the flag.
    pub from: String,
}

/// Every key (the Python tool's old names left out, their values show under the new ones), in
/// the order of the key table.
#[must_use]
pub fn settings(loaded: &Loaded) -> Vec<Setting> {
    let config = &loaded.config;
    let mut draft = Draft {
        config: config.clone(),
        allowlist: Some(config.router.allowlist.clone()),
        never: Some(config.autocommit.never.clone()),
        origins: loaded.origins.clone(),
        graph: crate::config::workflow::Graph::of(&config.workflow),
        named_actors: Vec::new(),
    };
    KEYS.iter()
        .filter(|key| key.compat_for.is_none())
        .map(|key| Setting {
            key: key.name,
            env: var_name(key.name),
            kind: kind(key.slot),
            value: value(&mut draft, key.slot),
            from: loaded.origins.of(key.name).to_string(),
        })
        .collect()
}

/// Every key's variable, dotted name and one-line meaning, in the order of the key table (the
/// Python tool's old names left out): `("BATON_AGENT_TIMEOUT", "agent.timeout", "wall-clock…")`.
#[must_use]
pub fn variables() -> Vec<(String, &'static str, &'static str)> {
    KEYS.iter()
        .filter(|key| key.compat_for.is_none())
        .map(|key| (var_name(key.name), key.name, key.doc))
        .collect()
}

/// The kind of value a key takes (see [`Setting::kind`]).
fn kind(slot: Slot) -> &'static str {
    match slot {
        Slot::Path(_) => "path",
        Slot::Name(_) => "name",
        Slot::MaybeName(_) => "name?",
        Slot::Flag(_) => "bool",
        Slot::Count(_) => "count",
        Slot::Period(_) => "duration",
        Slot::Limit(_) => "duration?",
        Slot::MaybeCount(_) => "count?",
        Slot::Money(_) => "usd",
        Slot::Since(_) => "since",
        Slot::Mode(_) => "router-mode",
        Slot::List(_) | Slot::LateList(_) => "list",
        Slot::Extensions(_) => "extensions",
        Slot::Patterns(_) => "patterns",
        Slot::Commands(_) => "commands",
        Slot::Actors(_) => "actors",
        Slot::Names(_) => "names",
        Slot::Chains(_) => "chains",
        Slot::Formats(_) => "formats",
        Slot::Argvs(_) => "argvs",
        Slot::ActorDefs(_) => "actors-declared",
        Slot::Start(_) => "actor",
        Slot::Steps(_) => "steps",
        Slot::Workers(_) => "workers",
        Slot::CommitUrl(_) => "commit-url",
        Slot::ReportsAnywhere | Slot::Meaningless => "compat",
    }
}

/// The value at `slot` of `draft`, as JSON.
fn value(draft: &mut Draft, slot: Slot) -> Value {
    let duration = |d: &std::time::Duration| json!(format_duration(*d));
    match slot {
        Slot::Path(get) => json!(get(draft).display().to_string()),
        Slot::Name(get) => json!(get(draft)),
        Slot::MaybeName(get) => json!(get(draft)),
        Slot::Flag(get) => json!(get(draft)),
        Slot::Count(get) => json!(get(draft)),
        Slot::Period(get) => duration(get(draft)),
        Slot::Limit(get) => get(draft).as_ref().map_or(Value::Null, duration),
        Slot::MaybeCount(get) => json!(get(draft)),
        // Millionths of a dollar to dollars: exact for any amount a budget holds.
        #[allow(clippy::cast_precision_loss)]
        Slot::Money(get) => get(draft).map_or(Value::Null, |micros| json!(micros as f64 / 1e6)),
        Slot::Since(get) => match get(draft) {
            Some(Since::Iteration(n)) => json!(n),
            Some(Since::Time(t)) => json!(t),
            None => Value::Null,
        },
        Slot::Mode(get) => json!(get(draft).as_str()),
        Slot::List(get) | Slot::Extensions(get) | Slot::Patterns(get) => json!(get(draft)),
        Slot::LateList(get) => json!(get(draft)),
        Slot::Commands(get) => json!(get(draft)),
        Slot::Actors(get) => {
            let map: serde_json::Map<String, Value> = get(draft)
                .iter()
                .map(|(actor, agent)| (actor.as_str().to_owned(), json!(agent)))
                .collect();
            Value::Object(map)
        }
        Slot::Names(get) => json!(get(draft)),
        Slot::Chains(get) => json!(get(draft)),
        Slot::Formats(get) => {
            let map: serde_json::Map<String, Value> = get(draft)
                .iter()
                .map(|(agent, format)| (agent.clone(), json!(format.name())))
                .collect();
            Value::Object(map)
        }
        Slot::Argvs(get) => json!(get(draft)),
        Slot::ActorDefs(get) => {
            let map: serde_json::Map<String, Value> = get(draft)
                .iter()
                .map(|(name, spec)| {
                    let spec = json!({
                        "kind": spec.kind.as_str(),
                        "prompt": spec.prompt,
                        "agent": spec.agent,
                    });
                    (name.as_str().to_owned(), spec)
                })
                .collect();
            Value::Object(map)
        }
        Slot::Start(get) => get(draft).map_or(Value::Null, |(actor, _)| json!(actor.as_str())),
        Slot::Steps(get) => match get(draft) {
            Some(steps) => {
                Value::Array(steps.iter().map(crate::workflow::draw::step_json).collect())
            }
            None => Value::Null,
        },
        Slot::Workers(get) => {
            let map: serde_json::Map<String, Value> = get(draft)
                .iter()
                .map(|(actor, n)| (actor.as_str().to_owned(), json!(n)))
                .collect();
            Value::Object(map)
        }
        Slot::CommitUrl(get) => match get(draft) {
            crate::config::CommitUrl::Derived => Value::Null,
            crate::config::CommitUrl::Off => json!("off"),
            crate::config::CommitUrl::Template(url) => json!(url),
        },
        Slot::ReportsAnywhere | Slot::Meaningless => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_shows_its_value_and_where_it_came_from() {
        let mut opts = crate::config::LoadOptions::default();
        opts.env
            .insert("BATON_APPROVAL_BEFORE".into(), "ralph,main.md".into());
        let text = "agent:\n  timeout: 90m\nbudget:\n  max_cost_usd: 12.5\n";
        let loaded = crate::config::load_from_str(
            text,
            std::path::Path::new("/ws/orchestration.yaml"),
            &opts,
        )
        .expect("load");
        let all = settings(&loaded);
        let get = |key: &str| {
            all.iter()
                .find(|s| s.key == key)
                .unwrap_or_else(|| panic!("{key}"))
        };
        assert_eq!(get("agent.timeout").value, json!("90m"));
        assert_eq!(get("agent.timeout").from, "/ws/orchestration.yaml:2:12");
        assert_eq!(get("budget.max_cost_usd").value, json!(12.5));
        assert_eq!(get("approval.before").value, json!(["ralph", "main.md"]));
        assert_eq!(get("approval.before").from, "BATON_APPROVAL_BEFORE");
        assert_eq!(get("prompts_dir").value, json!("/ws/prompts"));
        assert_eq!(get("prompts_dir").from, "default");
        assert_eq!(
            get("router.allowlist").value,
            json!(["supervisor.md", "reviewer.md"])
        );
        assert!(all.iter().all(|s| s.kind != "compat"));
    }
}
