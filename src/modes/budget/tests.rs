//! Unit tests of budgets: the limits reached and the figures shown.

use super::*;

#[test]
fn the_first_limit_reached_is_named_with_both_figures() {
    let spent = Spent {
        turns: 7,
        tokens: 1000,
        cost_micros: 12_010_000,
        duration_ms: 3_600_000,
        failures_in_a_row: 2,
        reset: true,
    };
    let mut budget = BudgetConfig::default();
    assert_eq!(reached(&budget, &spent), None);
    budget.max_turns = Some(8);
    assert_eq!(reached(&budget, &spent), None);
    budget.max_cost_micros = Some(12_000_000);
    assert_eq!(
        reached(&budget, &spent).as_deref(),
        Some("budget: cost $12.01 reached budget.max_cost_usd $12.00")
    );
    let budget = BudgetConfig {
        max_consecutive_failures: Some(2),
        ..BudgetConfig::default()
    };
    assert_eq!(
        reached(&budget, &spent).as_deref(),
        Some("budget: failures in a row 2 reached budget.max_consecutive_failures 2")
    );
}

#[test]
fn lines_show_the_limits_set_with_their_figures() {
    let spent = Spent {
        turns: 9,
        cost_micros: 1_500_000,
        ..Spent::default()
    };
    let budget = BudgetConfig {
        max_cost_micros: Some(6_000_000),
        max_turns: Some(9),
        ..BudgetConfig::default()
    };
    let lines = lines(&budget, &spent);
    let shown: Vec<_> = lines
        .iter()
        .map(|l| (l.key, l.spent.as_str(), l.limit.as_str(), l.used, l.reached))
        .collect();
    assert_eq!(
        shown,
        [
            ("budget.max_cost_usd", "$1.50", "$6.00", 0.25, false),
            ("budget.max_turns", "9", "9", 1.0, true),
        ]
    );
    assert!(super::lines(&BudgetConfig::default(), &spent).is_empty());
}

#[test]
fn left_shows_each_limit_set_with_its_figure() {
    let spent = Spent {
        turns: 7,
        cost_micros: 1_200_000,
        ..Spent::default()
    };
    assert!(left(&BudgetConfig::default(), &spent).is_empty());
    let budget = BudgetConfig {
        max_cost_micros: Some(5_000_000),
        max_turns: Some(20),
        ..BudgetConfig::default()
    };
    assert_eq!(
        left(&budget, &spent),
        ["cost $1.20 of $5.00", "turns 7 of 20"]
    );
}

#[test]
fn failures_in_a_row_carry_across_segments_until_an_ok() {
    let failing = Spent {
        failures_in_a_row: 2,
        ..Spent::default()
    };
    let ok_then_one = Spent {
        failures_in_a_row: 1,
        reset: true,
        ..Spent::default()
    };
    assert_eq!(failing.then(failing).failures_in_a_row, 4);
    assert_eq!(failing.then(ok_then_one).failures_in_a_row, 1);
    assert_eq!(ok_then_one.then(failing).failures_in_a_row, 3);
}
