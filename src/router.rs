//! Pure routing: which prompt runs next (SPEC §4).
