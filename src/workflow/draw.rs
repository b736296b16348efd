//! The graph drawn for people (`baton graph`): plain text, Graphviz DOT, or a Mermaid
//! flowchart (which GitHub and GitLab render in Markdown).

use std::fmt::Write as _;

use crate::state::actor::Actor;
use crate::workflow::{Step, Target, Workflow};

/// How `baton graph` draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per step: `galph -> ralph`.
    Text,
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
}

/// A step's label: its condition, `join: all` and `max_loops`, as short words.
fn label(step: &Step) -> String {
    let mut parts = Vec::new();
    if let Some(when) = &step.when {
        parts.push(format!("when {when}"));
    }
    if step.join_all {
        parts.push("join all".to_owned());
    }
    if let Some(max) = step.max_loops {
        parts.push(format!("at most {max}x"));
    }
    parts.join(", ")
}

fn join_names(actors: &[Actor], sep: &str) -> String {
    actors
        .iter()
        .map(Actor::as_str)
        .collect::<Vec<_>>()
        .join(sep)
}

/// One step as JSON, as it would be written: `{"from": [..], "to": [..] | "end", "when":
/// "answer revise" | null, "join": "all" | null, "max_loops": n | null}`.
#[must_use]
pub fn step_json(step: &Step) -> serde_json::Value {
    fn names(actors: &[Actor]) -> Vec<&str> {
        actors.iter().map(Actor::as_str).collect()
    }
    serde_json::json!({
        "from": names(&step.from),
        "to": match &step.to {
            Target::Actors(actors) => serde_json::json!(names(actors)),
            Target::End => serde_json::json!("end"),
        },
        "when": step.when.as_ref().map(ToString::to_string),
        "join": step.join_all.then_some("all"),
        "max_loops": step.max_loops,
    })
}

/// Draws `workflow` in `format`; `mark` names actors to highlight (e.g. those running), and
/// each actor's kind is shown.
#[must_use]
pub fn draw(workflow: &Workflow, format: Format, mark: &[Actor]) -> String {
    match format {
        Format::Text => text(workflow, mark),
        Format::Dot => dot(workflow, mark),
        Format::Mermaid => mermaid(workflow, mark),
    }
}

fn text(workflow: &Workflow, mark: &[Actor]) -> String {
    let mut out = format!("start: {}\n", workflow.start);
    for step in &workflow.steps {
        let from = join_names(&step.from, if step.join_all { " + " } else { " | " });
        let to = match &step.to {
            Target::Actors(actors) => join_names(actors, ", "),
            Target::End => "end".to_owned(),
        };
        let label = label(step);
        let _ = write!(out, "{from} -> {to}");
        if !label.is_empty() {
            let _ = write!(out, "  ({label})");
        }
        out.push('\n');
    }
    for (name, spec) in &workflow.actors {
        let slots = workflow.slots(*name);
        let _ = write!(out, "actor {name}: {}", spec.kind);
        if let Some(prompt) = &spec.prompt {
            let _ = write!(out, ", prompt {prompt}");
        }
        if slots > 1 {
            let _ = write!(out, ", {slots} workers");
        }
        if mark.contains(name) {
            out.push_str(" *");
        }
        out.push('\n');
    }
    out
}

/// A DOT or Mermaid string literal: quotes and backslashes escaped.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn dot(workflow: &Workflow, mark: &[Actor]) -> String {
    let mut out = String::from("digraph workflow {\n  rankdir=LR;\n  node [shape=box];\n");
    out.push_str("  start [shape=point];\n  end [shape=doublecircle, label=\"end\"];\n");
    for (name, spec) in &workflow.actors {
        let style = if mark.contains(name) {
            ", style=filled, fillcolor=lightyellow"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {} [label={}{style}];",
            quoted(name.as_str()),
            quoted(&format!("{name}\\n{}", spec.kind))
        );
    }
    let _ = writeln!(out, "  start -> {};", quoted(workflow.start.as_str()));
    for step in &workflow.steps {
        let label = label(step);
        let attrs = if label.is_empty() {
            String::new()
        } else {
            format!(" [label={}]", quoted(&label))
        };
        let targets: Vec<String> = match &step.to {
            Target::Actors(actors) => actors.iter().map(|a| quoted(a.as_str())).collect(),
            Target::End => vec!["end".to_owned()],
        };
        for from in &step.from {
            for to in &targets {
                let _ = writeln!(out, "  {} -> {to}{attrs};", quoted(from.as_str()));
            }
        }
    }
    out.push_str("}\n");
    out
}

fn mermaid(workflow: &Workflow, mark: &[Actor]) -> String {
    // Mermaid ids may not contain `-`; actor names are `[a-z][a-z0-9_-]*`.
    let id = |a: &Actor| format!("a_{}", a.as_str().replace('-', "_h_"));
    let mut out = String::from("flowchart LR\n  start((start))\n  finish(((end)))\n");
    for (name, spec) in &workflow.actors {
        let _ = writeln!(out, "  {}[\"{name}<br/>{}\"]", id(name), spec.kind);
    }
    let _ = writeln!(out, "  start --> {}", id(&workflow.start));
    for step in &workflow.steps {
        let label = label(step);
        let arrow = if label.is_empty() {
            "-->".to_owned()
        } else {
            format!("-->|\"{}\"|", label.replace('"', "'"))
        };
        let targets: Vec<String> = match &step.to {
            Target::Actors(actors) => actors.iter().map(id).collect(),
            Target::End => vec!["finish".to_owned()],
        };
        for from in &step.from {
            for to in &targets {
                let _ = writeln!(out, "  {} {arrow} {to}", id(from));
            }
        }
    }
    for name in mark {
        let _ = writeln!(out, "  style {} fill:#fff4c2", id(name));
    }
    out
}
