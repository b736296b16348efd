//! The simulated remote: refs as a map, changed only by pushes given as the system git's
//! arguments ([`crate::pool::push::push_args`]) and applied with git's rules — a lease is a
//! compare-and-swap, `--atomic` applies all updates or none, `+` forces, anything else must
//! fast-forward.

use std::collections::{BTreeMap, BTreeSet};

/// A full SHA in the model: 40 hex digits, one per object ever made.
pub(super) type Sha = String;

/// What an object is, in the model's shared object store (git's objects are content
/// addressed, so one store stands for every clone's).
#[derive(Clone, Debug)]
pub(super) enum Object {
    /// A claim commit: its message (parentless, empty tree).
    Claim(String),
    /// A commit of the shared branch: its parent, and its tree — the done tasks — with every
    /// landing on its history (task, message), oldest first.
    Head {
        parent: Option<Sha>,
        done: BTreeSet<String>,
        landings: Vec<(String, String)>,
    },
}

/// The remote.
#[derive(Clone, Debug, Default)]
pub(super) struct Remote {
    refs: BTreeMap<String, Sha>,
    objects: BTreeMap<Sha, Object>,
    /// Every value each ref ever had, in order (`None`: deleted).
    pub(super) history: BTreeMap<String, Vec<Option<Sha>>>,
}

impl Remote {
    /// Stores `object` under a new SHA.
    pub(super) fn store(&mut self, object: Object) -> Sha {
        let sha = format!("{:040x}", self.objects.len() + 1);
        self.objects.insert(sha.clone(), object);
        sha
    }

    /// The object `sha` names (every SHA in the model names one).
    pub(super) fn object(&self, sha: &str) -> &Object {
        self.objects
            .get(sha)
            .unwrap_or_else(|| panic!("no object {sha}"))
    }

    /// Where `refname` points, `None` when absent.
    pub(super) fn read(&self, refname: &str) -> Option<&Sha> {
        self.refs.get(refname)
    }

    /// Every ref under `prefix`, with its value.
    pub(super) fn under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a Sha)> {
        self.refs
            .range(prefix.to_owned()..)
            .take_while(move |(name, _)| name.starts_with(prefix))
            .map(|(name, sha)| (name.as_str(), sha))
    }

    /// Sets a ref without a push (the model's initial state).
    pub(super) fn set(&mut self, refname: &str, sha: Sha) {
        self.record(refname, Some(sha.clone()));
        self.refs.insert(refname.to_owned(), sha);
    }

    fn record(&mut self, refname: &str, value: Option<Sha>) {
        self.history
            .entry(refname.to_owned())
            .or_default()
            .push(value);
    }

    /// Applies `git <args>` (a `push` as `push_args` or `push_each_args` makes it): `Ok` with
    /// the updates applied, or `Err` with the refs whose lease or fast-forward check failed
    /// (nothing applied to them; with `--atomic`, nothing applied at all).
    pub(super) fn push(&mut self, args: &[String]) -> Result<(), Vec<String>> {
        let mut args = args.iter().map(String::as_str);
        assert_eq!(args.next(), Some("push"));
        let mut atomic = false;
        let mut leases: BTreeMap<&str, Option<&str>> = BTreeMap::new();
        let mut rest = Vec::new();
        for arg in args.by_ref() {
            if arg == "--porcelain" {
            } else if arg == "--atomic" {
                atomic = true;
            } else if let Some(lease) = arg.strip_prefix("--force-with-lease=") {
                let (refname, expected) = lease.split_once(':').expect("<ref>:<expected>");
                let expected = (!expected.is_empty()).then_some(expected);
                assert!(
                    leases.insert(refname, expected).is_none(),
                    "one lease a ref"
                );
            } else {
                assert!(!arg.starts_with('-'), "unknown option {arg}");
                rest.push(arg);
                break;
            }
        }
        rest.extend(args);
        assert_eq!(rest.first(), Some(&"origin"), "the remote");
        let mut updates = Vec::new();
        for spec in &rest[1..] {
            let (force, spec) = match spec.strip_prefix('+') {
                Some(spec) => (true, spec),
                None => (false, *spec),
            };
            let (new, refname) = spec.split_once(':').expect("<new>:<ref>");
            assert!(refname.starts_with("refs/"), "a full ref name: {refname}");
            let new = (!new.is_empty()).then(|| new.to_owned());
            if let Some(sha) = &new {
                self.object(sha);
            }
            updates.push((refname, new, force));
        }
        assert!(!updates.is_empty(), "a refspec");
        let mut rejected = Vec::new();
        for (refname, new, force) in &updates {
            let current = self.refs.get(*refname).map(String::as_str);
            let ok = match leases.get(refname) {
                Some(expected) => current == *expected,
                None if *force => true,
                None => match (current, new) {
                    (None, _) => true,
                    (Some(old), Some(new)) => self.descends(new, old),
                    (Some(_), None) => true,
                },
            };
            if !ok {
                rejected.push((*refname).to_owned());
            }
        }
        if atomic && !rejected.is_empty() {
            return Err(rejected);
        }
        // Without --atomic each update is applied or refused on its own.
        for (refname, new, _) in updates
            .iter()
            .filter(|u| !rejected.iter().any(|r| r == u.0))
        {
            self.record(refname, new.clone());
            match new {
                Some(sha) => self.refs.insert((*refname).to_owned(), sha.clone()),
                None => self.refs.remove(*refname),
            };
        }
        if rejected.is_empty() {
            Ok(())
        } else {
            Err(rejected)
        }
    }

    /// Whether `commit` has `ancestor` on its history (the shared branch's commits only).
    fn descends(&self, commit: &str, ancestor: &str) -> bool {
        let mut at = Some(commit.to_owned());
        while let Some(sha) = at {
            if sha == ancestor {
                return true;
            }
            at = match self.object(&sha) {
                Object::Head { parent, .. } => parent.clone(),
                _ => None,
            };
        }
        false
    }
}
