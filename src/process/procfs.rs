//! Reading `/proc` (Linux): a process's parent, group, session, state and start time, every
//! live pid, a process's children, whether a process's environment holds a marker, and the boot
//! id.
//!
//! Everything here tolerates processes that vanish between two reads: a process that is gone
//! reads as `None`, never as an error.

use std::fs;

/// The fields of `/proc/<pid>/stat` Baton uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stat {
    /// Process id.
    pub(crate) pid: i32,
    /// Single-letter state (`R`, `S`, `Z`, …; `Z` and `X` are dead).
    pub(crate) state: char,
    /// Parent process id.
    pub(crate) ppid: i32,
    /// Process group id.
    pub(crate) pgid: i32,
    /// Session id.
    pub(crate) sid: i32,
    /// Start time in clock ticks since boot (field 22): with the boot id, it tells a process
    /// from a later one that reuses its pid.
    pub(crate) start_ticks: u64,
}

impl Stat {
    /// Whether the process is dead (a zombie waiting to be reaped counts as dead).
    pub(crate) fn is_dead(&self) -> bool {
        matches!(self.state, 'Z' | 'X' | 'x')
    }
}

/// Parses the text of `/proc/<pid>/stat`. The command name (field 2) is in parentheses and may
/// itself contain spaces and parentheses, so fields are counted from the last `)`.
pub(crate) fn parse_stat(text: &str) -> Option<Stat> {
    let (head, tail) = text.rsplit_once(')')?;
    let pid = head.split_once('(')?.0.trim().parse().ok()?;
    let fields: Vec<&str> = tail.split_whitespace().collect();
    // fields[0] is field 3 (state); field N is fields[N - 3].
    let field = |n: usize| fields.get(n - 3).copied();
    Some(Stat {
        pid,
        state: field(3)?.chars().next()?,
        ppid: field(4)?.parse().ok()?,
        pgid: field(5)?.parse().ok()?,
        sid: field(6)?.parse().ok()?,
        start_ticks: field(22)?.parse().ok()?,
    })
}

/// The stat of process `pid`, `None` when it does not exist (or cannot be read).
pub(crate) fn stat(pid: i32) -> Option<Stat> {
    parse_stat(&fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// Every pid listed in `/proc` now.
pub(crate) fn pids() -> Vec<i32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok()))
        .collect()
}

/// The stats of every live process.
pub(crate) fn all() -> Vec<Stat> {
    pids().into_iter().filter_map(stat).collect()
}

/// The children of process `pid`, from `/proc/<pid>/task/<tid>/children` of each of its threads
/// (a child belongs to the thread that forked it). `None` when the kernel does not offer these
/// files (built without `CONFIG_PROC_CHILDREN`); an empty list when `pid` is gone. Like any
/// `/proc` listing, a child forked meanwhile may be missed: callers look again.
pub(crate) fn children(pid: i32) -> Option<Vec<i32>> {
    let tasks = match fs::read_dir(format!("/proc/{pid}/task")) {
        Ok(tasks) => tasks,
        Err(_) => return Some(Vec::new()),
    };
    let mut out = Vec::new();
    let mut offered = false;
    for task in tasks.flatten() {
        match fs::read_to_string(task.path().join("children")) {
            Ok(text) => {
                offered = true;
                out.extend(
                    text.split_whitespace()
                        .filter_map(|p| p.parse::<i32>().ok()),
                );
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // The thread may have ended between the listing and the read; the file's
                // absence is only told from a thread that is still there.
                if task.path().exists() {
                    return None;
                }
            }
            Err(_) => {}
        }
    }
    // A process always has a thread; none readable means it is gone (or not ours to read).
    Some(if offered { out } else { Vec::new() })
}

/// Whether `/proc/<pid>/environ` holds the entry `entry` (`NAME=value`). Unreadable (gone, or
/// another user's process when not root) reads as false.
pub(crate) fn environ_has(pid: i32, entry: &str) -> bool {
    let Ok(bytes) = fs::read(format!("/proc/{pid}/environ")) else {
        return false;
    };
    bytes.split(|&b| b == 0).any(|e| e == entry.as_bytes())
}

/// Whether `/proc/<pid>/environ` sets the variable `name` (to anything). Unreadable reads as
/// false.
pub(crate) fn environ_sets(pid: i32, name: &str) -> bool {
    let Ok(bytes) = fs::read(format!("/proc/{pid}/environ")) else {
        return false;
    };
    let prefix = format!("{name}=");
    bytes
        .split(|&b| b == 0)
        .any(|e| e.starts_with(prefix.as_bytes()))
}

/// The cgroup v2 path of process `pid` (the `0::` line of `/proc/<pid>/cgroup`), if readable.
pub(crate) fn cgroup_path(pid: i32) -> Option<String> {
    let text = fs::read_to_string(format!("/proc/{pid}/cgroup")).ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix("0::"))
        .map(str::to_owned)
}

/// This process's pid namespace, the inode number of `/proc/self/ns/pid` (its link reads
/// `pid:[<inode>]`), when `/proc` is this namespace's own: `None` when the link is unreadable or
/// `/proc/self` is not this process's pid (a `/proc` of another namespace, where every pid read
/// would name another process).
pub(crate) fn pid_namespace() -> Option<u64> {
    let me = fs::read_link("/proc/self").ok()?;
    if me.to_str()? != std::process::id().to_string() {
        return None;
    }
    let link = fs::read_link("/proc/self/ns/pid").ok()?;
    link.to_str()?
        .strip_prefix("pid:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// This boot's id (`/proc/sys/kernel/random/boot_id`), or empty when unreadable.
pub(crate) fn boot_id() -> String {
    fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_stat_counts_fields_after_the_last_parenthesis() {
        let text = "4242 (we ird) (name)) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 \
                    987654 1000 10 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0";
        let stat = parse_stat(text).expect("parses");
        assert_eq!(stat.pid, 4242);
        assert_eq!(stat.state, 'S');
        assert_eq!(stat.ppid, 1);
        assert_eq!(stat.pgid, 4242);
        assert_eq!(stat.sid, 4242);
        assert_eq!(stat.start_ticks, 987_654);
        assert!(!stat.is_dead());
        assert_eq!(parse_stat("garbage"), None);
        assert_eq!(parse_stat("1 (x) Z 0"), None, "too few fields");
    }

    #[test]
    fn this_process_reads_back() {
        let me = i32::try_from(std::process::id()).expect("pid");
        let own = stat(me).expect("own stat");
        assert_eq!(own.pid, me);
        assert!(pids().contains(&me));
        assert!(!boot_id().is_empty());
        assert!(pid_namespace().is_some());

        assert!(environ_has(
            me,
            &format!("PATH={}", std::env::var("PATH").unwrap_or_default())
        ));
        assert!(!environ_has(me, "BATON_SURELY_NOT_SET=1"));
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("spawn sleep");
        let pid = i32::try_from(child.id()).expect("pid");
        let kids = children(me).expect("the kernel lists children");
        let _ = child.kill();
        let _ = child.wait();
        assert!(kids.contains(&pid), "{kids:?} lacks {pid}");
        assert_eq!(children(i32::MAX), Some(Vec::new()));
        assert_eq!(stat(i32::MAX), None);
    }
}
