//! The pool: any number of machines, each a clone of one remote, take the open tasks of the
//! shared branch through that remote, with no server (docs/pool.md).
//!
//! A worker claims a task by pushing a claim commit to the task's own ref,
//! `refs/baton/claims/<task>`, expecting the ref absent; it renews the claim, takes over an
//! expired one, releases it, or lands the task — the shared branch and the claim ref in one
//! atomic push — always as a compare-and-swap on the refs it changes. This module is the pure
//! core of that protocol, with no I/O: the names of the refs ([`refs`]), the claim commit's
//! message and its strict reader ([`claim`]), which tasks to try ([`plan`]), what a fresh read
//! of the remote means for a claim or a push whose answer was lost ([`outcome`]), and each push
//! as data and as the system git's arguments ([`push`]). The git layer reads the remote, calls
//! these, and runs the pushes they describe.
//!
//! A model (`model`, tests only) runs these same functions for 2–4 simulated workers over a
//! simulated remote — lost acknowledgements, crashes, clock jumps, any interleaving — and
//! checks the protocol's invariants after every step.

pub(crate) mod claim;
#[cfg(test)]
mod model;
pub(crate) mod outcome;
pub(crate) mod plan;
pub(crate) mod push;
pub(crate) mod refs;
