//! The two-machine demo: a bare remote and two clones in a temporary directory; galph's daemon
//! runs in one clone and ralph's in the other, as two processes that only share the remote.

use std::io::{BufRead as _, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use anyhow::Context as _;

use crate::cli::demo::{DemoArgs, prepare, print_summary};
use crate::git::{Remote, Repo};
use crate::journal::JournalEntry;

/// Runs the demo under `root`: `remote.git`, `machine-a` (galph), `machine-b` (ralph); returns
/// the clone that ran the last turn (its files hold the whole run).
pub(super) fn run(args: &DemoArgs, root: &Path) -> anyhow::Result<std::path::PathBuf> {
    say!(
        "== Baton demo: two machines sharing a git remote, in {}",
        root.display()
    );
    let bare = root.join("remote.git");
    let mut init = git2::RepositoryInitOptions::new();
    init.bare(true).initial_head("main");
    git2::Repository::init_opts(&bare, &init).context("create the bare remote")?;
    let a = root.join("machine-a");
    prepare(&a)?;
    let bare_text = bare.to_string_lossy().into_owned();
    git2::Repository::open(&a)?.remote("origin", &bare_text)?;
    Remote::new(&a, "origin").push("main")?;
    let b = root.join("machine-b");
    let cloned = duct::cmd!("git", "clone", "-q", &bare_text, &b)
        .stdin_null()
        .unchecked()
        .run()?;
    anyhow::ensure!(
        cloned.status.success(),
        "git clone of the demo remote failed"
    );
    let mut config = git2::Repository::open(&b)?.config()?;
    config.set_str("user.name", "Baton Demo (machine B)")?;
    config.set_str("user.email", "demo-b@baton.invalid")?;
    say!("   remote.git   the shared remote (a bare repository)");
    say!("   machine-a    galph: baton supervisor --sync-via-git");
    say!("   machine-b    ralph: baton loop --sync-via-git\n");
    let n = args.iterations.to_string();
    let galph = spawn(
        &a,
        &["supervisor", "--sync-via-git", "--iterations", &n],
        "A galph",
    )?;
    let ralph = spawn(
        &b,
        &["loop", "--sync-via-git", "--iterations", &n],
        "B ralph",
    )?;
    let (ok_a, ok_b) = (finish(galph)?, finish(ralph)?);
    anyhow::ensure!(ok_a && ok_b, "a demo daemon failed (see its lines above)");
    let remote = Repo::discover(&bare)?.context("open the demo remote")?;
    let journal = remote
        .read_at("main", "sync/journal.jsonl")?
        .unwrap_or_default();
    let turns: Vec<JournalEntry> = String::from_utf8_lossy(&journal)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let state = remote
        .read_at("main", "sync/state.json")?
        .unwrap_or_default();
    say!("\n(everything below is read from the shared remote)");
    print_summary(&turns, &remote, &state)?;
    Ok(b)
}

/// A daemon and the threads that print its output with a prefix.
struct Daemon {
    child: Child,
    printers: Vec<std::thread::JoinHandle<()>>,
}

/// Starts this binary with `args` in `dir`, printing its output lines prefixed with `[label]`.
fn spawn(dir: &Path, args: &[&str], label: &str) -> anyhow::Result<Daemon> {
    let exe = std::env::current_exe().context("find the baton binary")?;
    let mut child = Command::new(exe)
        .args(args)
        .args(["--poll-interval", "0.2s"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("start a demo daemon")?;
    let mut printers = Vec::new();
    if let Some(out) = child.stdout.take() {
        printers.push(print_lines(out, label.to_owned()));
    }
    if let Some(err) = child.stderr.take() {
        printers.push(print_lines(err, label.to_owned()));
    }
    Ok(Daemon { child, printers })
}

fn print_lines(stream: impl Read + Send + 'static, label: String) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            say!("[{label}] {line}");
        }
    })
}

/// Waits for a daemon; true when it exited 0.
fn finish(mut daemon: Daemon) -> anyhow::Result<bool> {
    let status = daemon.child.wait()?;
    for printer in daemon.printers.drain(..) {
        let _ = printer.join();
    }
    Ok(status.success())
}
