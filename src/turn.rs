//! The shared turn runner.
