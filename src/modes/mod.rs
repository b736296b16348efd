//! Run modes.
