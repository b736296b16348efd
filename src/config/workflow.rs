//! `actors:` and `workflow:` (`docs/workflows.md`): their YAML read into [`crate::workflow`]'s
//! types with every position kept, and the graph they make checked once the layers are laid,
//! so that a bad graph is an error naming `file:line:col` (or the variable) with a hint.

use std::collections::BTreeMap;

use serde_saphyr::Location;

use crate::config::layer::Bad;
use crate::config::node::{Node, Yaml};
use crate::state::{Actor, ActorKind};
use crate::workflow::{ActorSpec, Condition, OutcomeIs, Pos, Step, Target, Workflow};

/// What the layers set of `actors:` and `workflow:`; [`Graph::build`] makes the workflow.
#[derive(Clone, Debug, Default)]
pub(crate) struct Graph {
    /// `actors:` as declared (galph and ralph are built in).
    pub(crate) actors: BTreeMap<Actor, ActorSpec>,
    /// `workflow.start` and where it is written.
    pub(crate) start: Option<(Actor, Pos)>,
    /// `workflow.steps`, in order.
    pub(crate) steps: Option<Vec<Step>>,
    /// `workflow.workers`.
    pub(crate) workers: BTreeMap<Actor, u32>,
}

/// A YAML position under `key`, as the workflow module keeps it.
pub(crate) fn pos(key: &'static str, at: Location) -> Pos {
    Pos {
        key,
        line: at.line(),
        column: at.column(),
    }
}

fn bad(at: Location, key: &str, message: impl Into<String>) -> Bad {
    Bad {
        at,
        key: key.to_owned(),
        message: message.into(),
    }
}

/// An actor named in a step, `start` or `workers` (aliases of the default pair accepted).
fn actor_name(node: &Node, key: &str) -> Result<Actor, Bad> {
    let text = node
        .value
        .scalar_text()
        .ok_or_else(|| bad(node.at, key, "expected an actor's name"))?;
    Actor::parse_alias(&text).ok_or_else(|| {
        let message = Actor::new(&text).err().unwrap_or_default();
        bad(node.at, key, message)
    })
}

/// One actor or a list of them.
fn actor_list(node: &Node, key: &str) -> Result<Vec<Actor>, Bad> {
    match &node.value {
        Yaml::Seq(items) if !items.is_empty() => {
            items.iter().map(|item| actor_name(item, key)).collect()
        }
        Yaml::Seq(_) => Err(bad(node.at, key, "expected at least one actor")),
        _ => Ok(vec![actor_name(node, key)?]),
    }
}

/// The entries of a mapping node, refusing keys outside `allowed` with a suggestion.
fn entries<'a>(
    node: &'a Node,
    key: &str,
    allowed: &[&str],
) -> Result<Vec<(String, Location, &'a Node)>, Bad> {
    let Yaml::Map(map) = &node.value else {
        return Err(bad(
            node.at,
            key,
            format!("expected a mapping with {}", allowed.join(", ")),
        ));
    };
    let mut out = Vec::new();
    for (name, value) in map {
        if !allowed.contains(&name.value.as_str()) {
            let near = crate::text::closest(&name.value, allowed.iter().copied());
            let hint = near.map_or_else(String::new, |n| format!("; did you mean `{n}`?"));
            return Err(bad(
                name.referenced,
                key,
                format!(
                    "unknown key `{}` (expected {}){hint}",
                    name.value,
                    allowed.join(", ")
                ),
            ));
        }
        out.push((name.value.clone(), name.referenced, value));
    }
    Ok(out)
}

/// `actors:`: name → `{kind, prompt, agent}`.
///
/// # Errors
/// A [`Bad`] at the offending name or value.
pub(crate) fn parse_actors(node: &Node) -> Result<BTreeMap<Actor, ActorSpec>, Bad> {
    const KEY: &str = "actors";
    let mut out = BTreeMap::new();
    let Yaml::Map(map) = &node.value else {
        if matches!(node.value, Yaml::Null) {
            return Ok(out);
        }
        return Err(bad(node.at, KEY, "expected a mapping of actor names"));
    };
    for (name, spec) in map {
        let key = format!("{KEY}.{}", name.value);
        let actor = Actor::new(&name.value).map_err(|e| bad(name.referenced, &key, e))?;
        if actor.is_pair() {
            return Err(bad(
                name.referenced,
                &key,
                format!(
                    "`{actor}` is built in (galph: supervisor, ralph: engineer); choose its agent \
                     with agent.roles"
                ),
            ));
        }
        let (mut kind, mut prompt, mut agent) = (None, None, None);
        for (field, at, value) in entries(spec, &key, &["kind", "prompt", "agent"])? {
            let text = value
                .value
                .scalar_text()
                .filter(|t| !t.trim().is_empty())
                .ok_or_else(|| bad(value.at, &format!("{key}.{field}"), "expected a name"))?;
            match field.as_str() {
                "kind" => {
                    kind = Some(ActorKind::parse(&text).map_err(|e| bad(at, &key, e))?);
                }
                "prompt" => prompt = Some(text.trim().to_owned()),
                _ => agent = Some(text.trim().to_owned()),
            }
        }
        let kind = kind.ok_or_else(|| {
            bad(
                name.referenced,
                &key,
                "needs a `kind`: supervisor, engineer or reviewer",
            )
        })?;
        if prompt.is_none() {
            return Err(bad(
                name.referenced,
                &key,
                "needs a `prompt`: the prompt file it runs, in prompts_dir",
            ));
        }
        let spec = ActorSpec {
            name: actor,
            kind,
            prompt,
            agent,
            at: pos(KEY, name.referenced),
        };
        out.insert(actor, spec);
    }
    Ok(out)
}

/// `workflow.start`.
///
/// # Errors
/// A [`Bad`] when it is not an actor's name.
pub(crate) fn parse_start(node: &Node) -> Result<(Actor, Pos), Bad> {
    Ok((
        actor_name(node, "workflow.start")?,
        pos("workflow.start", node.at),
    ))
}

/// `workflow.workers`: actor → the most turns of it at once (1 to 64).
///
/// # Errors
/// A [`Bad`] at the offending entry.
pub(crate) fn parse_workers(node: &Node) -> Result<BTreeMap<Actor, u32>, Bad> {
    const KEY: &str = "workflow.workers";
    let mut out = BTreeMap::new();
    let Yaml::Map(map) = &node.value else {
        if matches!(node.value, Yaml::Null) {
            return Ok(out);
        }
        return Err(bad(node.at, KEY, "expected a mapping: `{ralph: 4}`"));
    };
    for (name, count) in map {
        let key = format!("{KEY}.{}", name.value);
        let actor = Actor::parse_alias(&name.value)
            .ok_or_else(|| bad(name.referenced, &key, "expected an actor's name"))?;
        let n = match count.value {
            Yaml::Int(n) if (1..=64).contains(&n) => u32::try_from(n).unwrap_or(1),
            _ => {
                return Err(bad(
                    count.at,
                    &key,
                    "expected a number of workers from 1 to 64",
                ));
            }
        };
        out.insert(actor, n);
    }
    Ok(out)
}

/// `workflow.steps`: a list of `{from, to, when?, join?, max_loops?}`.
///
/// # Errors
/// A [`Bad`] at the offending step or field.
pub(crate) fn parse_steps(node: &Node) -> Result<Vec<Step>, Bad> {
    const KEY: &str = "workflow.steps";
    let Yaml::Seq(items) = &node.value else {
        return Err(bad(
            node.at,
            KEY,
            "expected a list of steps: `- {from: galph, to: ralph}`",
        ));
    };
    let mut steps = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let key = format!("{KEY}[{i}]");
        let (mut from, mut to, mut when, mut join_all, mut max_loops) =
            (None, None, None, false, None);
        let fields = ["from", "to", "when", "join", "max_loops"];
        for (field, at, value) in entries(item, &key, &fields)? {
            let key = format!("{key}.{field}");
            match field.as_str() {
                "from" => from = Some(actor_list(value, &key)?),
                "to" => to = Some(target(value, &key)?),
                "when" => when = Some(condition(value, &key)?),
                "join" => match value.value.scalar_text().as_deref() {
                    Some("all") => join_all = true,
                    _ => return Err(bad(value.at, &key, "the only join is `all`")),
                },
                _ => match value.value {
                    Yaml::Int(n) if (1..=1000).contains(&n) => {
                        max_loops = Some(u32::try_from(n).unwrap_or(1));
                    }
                    _ => return Err(bad(at, &key, "expected a number of loops from 1 to 1000")),
                },
            }
        }
        let (Some(from), Some(to)) = (from, to) else {
            return Err(bad(item.at, &key, "a step needs `from` and `to`"));
        };
        steps.push(Step {
            from,
            to,
            when,
            join_all,
            max_loops,
            at: pos(KEY, item.at),
        });
    }
    Ok(steps)
}

fn target(node: &Node, key: &str) -> Result<Target, Bad> {
    if node.value.scalar_text().as_deref() == Some("end") {
        return Ok(Target::End);
    }
    if let Yaml::Seq(items) = &node.value
        && items
            .iter()
            .any(|i| i.value.scalar_text().as_deref() == Some("end"))
    {
        return Err(bad(node.at, key, "`end` stands alone: `to: end`"));
    }
    Ok(Target::Actors(actor_list(node, key)?))
}

fn condition(node: &Node, key: &str) -> Result<Condition, Bad> {
    let fields = entries(node, key, &["outcome", "answer", "command", "file"])?;
    let [(field, at, value)] = fields.as_slice() else {
        return Err(bad(
            node.at,
            key,
            "a condition is one of {outcome: ok|failed}, {answer: WORD}, {command: [argv]}, \
             {file: PATH}",
        ));
    };
    let text = || {
        value
            .value
            .scalar_text()
            .filter(|t| !t.trim().is_empty() && !t.contains(char::is_whitespace))
            .ok_or_else(|| bad(value.at, key, format!("`{field}` needs one word")))
    };
    match field.as_str() {
        "outcome" => match text()?.as_str() {
            "ok" => Ok(Condition::Outcome(OutcomeIs::Ok)),
            "failed" => Ok(Condition::Outcome(OutcomeIs::Failed)),
            _ => Err(bad(value.at, key, "`outcome` is `ok` or `failed`")),
        },
        "answer" => Ok(Condition::Answer(text()?)),
        "file" => Ok(Condition::File(text()?)),
        _ => match &value.value {
            Yaml::Seq(items) if !items.is_empty() => items
                .iter()
                .map(|i| {
                    i.value
                        .scalar_text()
                        .ok_or_else(|| bad(i.at, key, "expected a string"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Condition::Command),
            _ => Err(bad(
                *at,
                key,
                "`command` is an argv list: `[cargo, test, -q]`",
            )),
        },
    }
}

impl Graph {
    /// The settings that make `workflow` again (for showing the values in force).
    #[must_use]
    pub(crate) fn of(workflow: &Workflow) -> Graph {
        Graph {
            actors: workflow
                .actors
                .iter()
                .filter(|(name, _)| !name.is_pair())
                .map(|(name, spec)| (*name, spec.clone()))
                .collect(),
            start: workflow
                .declared
                .then_some((workflow.start, workflow.start_at)),
            steps: workflow.declared.then(|| workflow.steps.clone()),
            workers: workflow.workers.clone(),
        }
    }

    /// The workflow these settings make: the default pair's graph unless `workflow.steps` is
    /// set; galph and ralph always among the actors.
    ///
    /// # Errors
    /// A message and where, when `workflow.start` is set without steps.
    pub(crate) fn build(self) -> Result<Workflow, (Pos, String)> {
        let declared_actors = !self.actors.is_empty();
        let mut actors = Workflow::pair_actors();
        actors.extend(self.actors);
        let mut workflow = match self.steps {
            Some(steps) => {
                let (start, start_at) = self.start.unwrap_or((Actor::GALPH, Pos::default()));
                Workflow {
                    actors,
                    start,
                    start_at,
                    steps,
                    workers: BTreeMap::new(),
                    declared: true,
                }
            }
            None => {
                if let Some((_, at)) = self.start {
                    return Err((at, "workflow.start needs workflow.steps".to_owned()));
                }
                let mut pair = Workflow::pair(actors);
                // Declared actors the default pair never reaches are refused by the checks.
                pair.declared = declared_actors;
                pair
            }
        };
        workflow.workers = self.workers;
        Ok(workflow)
    }
}

/// Every `approval.before` entry that is not a prompt file (`*.md`) names a declared actor.
///
/// # Errors
/// The path of the offending item (`approval.before[1]`), what is wrong and what to do.
pub(crate) fn check_named_actors(
    config: &crate::config::Config,
) -> Result<(), (String, String, String)> {
    let workflow = &config.workflow;
    for (i, entry) in config.approval.before.iter().enumerate() {
        if entry.ends_with(".md") {
            continue;
        }
        if Actor::parse_alias(entry).is_some_and(|actor| workflow.has(actor)) {
            continue;
        }
        let declared: Vec<&str> = workflow.actors.keys().map(Actor::as_str).collect();
        return Err((
            format!("approval.before[{i}]"),
            format!(
                "approval.before names `{entry}`, which is neither a declared actor nor a prompt \
                 file (`*.md`)"
            ),
            format!(
                "declared actors: {}; declare others under `actors:`",
                declared.join(", ")
            ),
        ));
    }
    Ok(())
}
