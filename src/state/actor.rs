//! Actor names: `galph` and `ralph` by default, any other declared under `actors:` in the
//! configuration (`docs/configuration.md`, workflows).
//!
//! An [`Actor`] is a short name held inline (no allocation, `Copy`), so that it can be passed
//! around as freely as the two-actor enum it replaces; the configuration decides which names
//! exist and what kind of actor each is ([`ActorKind`]).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The longest actor name, in bytes.
pub const ACTOR_NAME_MAX: usize = 31;

/// Names an actor can never take: workflow keywords and the aliases of the default pair.
const RESERVED: [&str; 5] = ["end", "all", "supervisor", "loop", "main"];

/// One actor's name: 1 to [`ACTOR_NAME_MAX`] bytes, a lower-case ASCII letter first, then
/// lower-case letters, digits, `-` and `_` (it names branches, log directories and commit
/// subjects). On the wire it is the plain string (`"ralph"`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Actor {
    len: u8,
    bytes: [u8; ACTOR_NAME_MAX],
}

/// What kind of actor a name is: it decides what auto-commit takes after its turns and whether
/// it may declare the work complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActorKind {
    /// Plans and reviews (galph): may write only the doc whitelist, reports and tasks; may
    /// declare the work complete.
    Supervisor,
    /// Does the work (ralph): every edit of its turn is its work.
    Engineer,
    /// Reviews (a declared reviewer): may write only the doc whitelist and reports.
    Reviewer,
}

impl ActorKind {
    /// `supervisor`, `engineer` or `reviewer`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::Supervisor => "supervisor",
            ActorKind::Engineer => "engineer",
            ActorKind::Reviewer => "reviewer",
        }
    }

    /// Parses `supervisor`, `engineer` or `reviewer`.
    ///
    /// # Errors
    /// A message naming the accepted kinds.
    pub fn parse(text: &str) -> Result<ActorKind, String> {
        match text.trim() {
            "supervisor" => Ok(ActorKind::Supervisor),
            "engineer" => Ok(ActorKind::Engineer),
            "reviewer" => Ok(ActorKind::Reviewer),
            other => Err(format!(
                "unknown actor kind `{other}` (expected supervisor, engineer or reviewer)"
            )),
        }
    }

    /// Whether every edit of its turn is its work (an engineer's).
    #[must_use]
    pub fn edits_are_work(self) -> bool {
        self == ActorKind::Engineer
    }
}

impl fmt::Display for ActorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Copies `name` into a name's bytes; `None` unless it is a valid name.
const fn pack(name: &str) -> Option<Actor> {
    let src = name.as_bytes();
    if src.is_empty() || src.len() > ACTOR_NAME_MAX || !src[0].is_ascii_lowercase() {
        return None;
    }
    let mut bytes = [0u8; ACTOR_NAME_MAX];
    let mut i = 0;
    while i < src.len() {
        let b = src[i];
        if !(b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_') {
            return None;
        }
        bytes[i] = b;
        i += 1;
    }
    #[allow(clippy::cast_possible_truncation)] // at most ACTOR_NAME_MAX (31)
    let len = src.len() as u8;
    Some(Actor { len, bytes })
}

impl Actor {
    /// The supervisor of the default pair.
    pub const GALPH: Actor = match pack("galph") {
        Some(actor) => actor,
        None => panic!("galph is a valid name"),
    };

    /// The engineer of the default pair.
    pub const RALPH: Actor = match pack("ralph") {
        Some(actor) => actor,
        None => panic!("ralph is a valid name"),
    };

    /// The default pair, in turn order.
    pub const PAIR: [Actor; 2] = [Actor::GALPH, Actor::RALPH];

    /// A name as written in the configuration (trimmed; no aliases).
    ///
    /// # Errors
    /// A message saying what a name may hold, or that the name is reserved.
    pub fn new(name: &str) -> Result<Actor, String> {
        let name = name.trim();
        if RESERVED.contains(&name) {
            return Err(format!(
                "`{name}` is reserved and cannot name an actor (reserved: {})",
                RESERVED.join(", ")
            ));
        }
        pack(name).ok_or_else(|| {
            format!(
                "`{name}` is not a valid actor name: 1 to {ACTOR_NAME_MAX} characters, a \
                 lower-case letter first, then lower-case letters, digits, `-` or `_`"
            )
        })
    }

    /// Parses a name or an alias of the default pair: `galph`/`supervisor`,
    /// `ralph`/`loop`/`main` (case-insensitive), or any other valid name (whether it is
    /// declared is the configuration's business).
    #[must_use]
    pub fn parse_alias(name: &str) -> Option<Actor> {
        Actor::parse_pair(name).or_else(|| Actor::new(&name.trim().to_ascii_lowercase()).ok())
    }

    /// Parses a name or alias of the default pair only (the Python tool's files know no
    /// other actor): `galph`/`supervisor`, `ralph`/`loop`/`main`, case-insensitive.
    #[must_use]
    pub fn parse_pair(name: &str) -> Option<Actor> {
        match name.trim().to_ascii_lowercase().as_str() {
            "galph" | "supervisor" => Some(Actor::GALPH),
            "ralph" | "loop" | "main" => Some(Actor::RALPH),
            _ => None,
        }
    }

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Only valid ASCII is ever packed.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }

    /// Whether this is one of the default pair (galph or ralph).
    #[must_use]
    pub fn is_pair(self) -> bool {
        self == Actor::GALPH || self == Actor::RALPH
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl Serialize for Actor {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Actor {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Actor::new(&text).map_err(serde::de::Error::custom)
    }
}

impl std::str::FromStr for Actor {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Actor::parse_alias(s).ok_or_else(|| Actor::new(s).err().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pair_and_aliases() {
        assert_eq!(Actor::GALPH.as_str(), "galph");
        assert_eq!(Actor::parse_alias(" Supervisor "), Some(Actor::GALPH));
        assert_eq!(Actor::parse_alias("loop"), Some(Actor::RALPH));
        assert_eq!(Actor::parse_alias("main"), Some(Actor::RALPH));
        assert_eq!(Actor::parse_alias("sec"), Actor::new("sec").ok());
        assert!(Actor::GALPH < Actor::RALPH);
    }

    #[test]
    fn names_are_checked() {
        assert!(Actor::new("critic-2_b").is_ok());
        for bad in ["", "Sec", "2nd", "a b", "end", "main", "é", &"x".repeat(32)] {
            assert!(Actor::new(bad).is_err(), "{bad:?} accepted");
        }
        assert!(Actor::new(&"x".repeat(31)).is_ok());
    }

    #[test]
    fn round_trips_as_a_string() {
        let sec = Actor::new("sec").expect("valid");
        let text = serde_json::to_string(&sec).expect("serialize");
        assert_eq!(text, "\"sec\"");
        assert_eq!(serde_json::from_str::<Actor>(&text).expect("parse"), sec);
        assert!(serde_json::from_str::<Actor>("\"Bad Name\"").is_err());
    }
}
