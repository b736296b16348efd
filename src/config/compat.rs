//! Keys of the Python orchestrator this tool replaces.
