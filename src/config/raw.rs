//! Serde mirror of `orchestration.yaml`.
