//! `baton demo --example NAME`: one of the repository's `examples/` — a workflow with its
//! prompts and a scripted agent — copied into a temporary git repository and run offline in
//! combined mode, then summarized (turns, tasks, commits, the files it made).

use std::path::Path;

use crate::fsutil::write_atomic;
use crate::git::Repo;
use crate::modes;

/// An example: its name and its files (path in the workspace, contents), embedded from
/// `examples/<name>/` at build time so that an installed `baton` has them.
pub(super) struct Example {
    /// `pr-review`, `parallel`.
    pub(super) name: &'static str,
    /// What it shows, one line.
    pub(super) about: &'static str,
    files: &'static [(&'static str, &'static str)],
}

macro_rules! file {
    ($example:literal, $path:literal) => {
        (
            $path,
            include_str!(concat!("../../../examples/", $example, "/", $path)),
        )
    };
}

/// The examples `--example` accepts.
pub(super) const EXAMPLES: &[Example] = &[
    Example {
        name: "pr-review",
        about: "two reviewers fan out on a change, a critic sends them back up to twice, a \
                synthesizer writes reports/review.md",
        files: &[
            file!("pr-review", "orchestration.yaml"),
            file!("pr-review", "agent.sh"),
            file!("pr-review", "prompts/supervisor.md"),
            file!("pr-review", "prompts/review-security.md"),
            file!("pr-review", "prompts/review-architecture.md"),
            file!("pr-review", "prompts/critic.md"),
            file!("pr-review", "prompts/synthesize.md"),
        ],
    },
    Example {
        name: "parallel",
        about: "galph writes eight tasks, four ralphs work at once in worktrees, every branch \
                lands by git's merge, a conflict goes back to galph",
        files: &[
            file!("parallel", "orchestration.yaml"),
            file!("parallel", "agent.sh"),
            file!("parallel", "prompts/supervisor.md"),
            file!("parallel", "prompts/main.md"),
        ],
    },
];

/// The example called `name`.
///
/// # Errors
/// A message listing the examples when there is none of that name.
pub(super) fn find(name: &str) -> Result<&'static Example, String> {
    EXAMPLES.iter().find(|e| e.name == name).ok_or_else(|| {
        let names: Vec<&str> = EXAMPLES.iter().map(|e| e.name).collect();
        format!("no example `{name}`; the examples are {}", names.join(", "))
    })
}

/// Runs `example` for `iterations` in a repository made at `root`.
pub(super) fn run(example: &Example, iterations: u64, root: &Path) -> anyhow::Result<()> {
    say!(
        "== Baton demo, example {}: {}\n   in {}",
        example.name,
        example.about,
        root.display()
    );
    let runner = super::local_session(root, prepare(example, root)?)?;
    say!("\n== The workflow (baton graph)");
    say!(
        "{}",
        crate::workflow::draw::draw(&runner.graph, crate::workflow::draw::Format::Text, &[])
            .trim_end()
    );
    say!("\n== {iterations} iteration(s)\n");
    let plan = modes::run::Plan {
        workflow: runner.graph.clone(),
        actors: runner.graph.actors.keys().copied().collect(),
        count: iterations,
    };
    modes::run::run(&runner, &mut modes::Local, &plan)?;
    super::summarize(&runner)
}

/// Writes the example's files into a new repository and commits them.
fn prepare(example: &Example, root: &Path) -> anyhow::Result<Repo> {
    super::new_repository(root)?;
    for (path, text) in example.files {
        let path = root.join(path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        write_atomic(&path, text.as_bytes())?;
    }
    write_atomic(&root.join(".gitignore"), b"logs/\n")?;
    super::commit_everything(root, &format!("demo: example {}", example.name))
}
