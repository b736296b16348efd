//! The dashboard page in a real headless Chromium, after a run whose agent reports tokens and
//! cost and whose ralph turns waited for approval (one rejected with a note, two approved): the
//! turns table marks the answers, a click opens a turn's files and commits (linked through
//! `serve.commit_url`) and its transcript, and keeps them open through the next snapshot; the
//! charts end at the journal's totals per actor; and at a phone's 390 px nothing is wider than
//! the screen — every element inside it, and the full-page screenshot exactly as wide.

use serde_json::{Value, json};

use crate::browser::{self, Browser};
use crate::common::TestEnv;
use crate::role_env::{DEADLINE, Daemon};
use crate::serve_env::{Server, http};

/// A result line of Claude Code's `--output-format stream-json` (the `result` event: its
/// `total_cost_usd` and `usage`; shape as in `tests/fixtures/agents/claude/success.jsonl`,
/// whose README cites the CLI's source), with numbers that grow with the iteration.
const RESULT: &str = r#"printf '{"type":"result","subtype":"success","is_error":false,"result":"done","total_cost_usd":%s,"usage":{"input_tokens":%s,"output_tokens":%s}}\n' "0.0$BATON_ITERATION$1" "$((1000 * BATON_ITERATION + $1))" "$((100 * BATON_ITERATION))"
"#;

const TEMPLATE: &str = "https://forge.example/you/repo/commit/{sha}";

fn workspace() -> TestEnv {
    let env = TestEnv::bare();
    let config = env.stub_config(&format!(
        "approval:\n  before: [ralph]\nserve:\n  commit_url: {TEMPLATE}\n"
    ));
    let config = config.replacen(
        "agent:\n",
        "agent:\n  formats:\n    stub: claude-stream-json\n",
        1,
    );
    env.write("orchestration.yaml", &config);
    env.write("src/lib.rs", "pub fn one() -> u32 {\n    1\n}\n");
    env.commit_all("init");
    env.hook(
        "galph",
        &format!("result() {{ {RESULT}}}\necho \"galph plans\"\nresult 1\n"),
    );
    env.hook(
        "ralph",
        &format!(
            "result() {{ {RESULT}}}\necho \"ralph works on iteration $BATON_ITERATION\"\n\
             printf 'pub fn two() -> u32 {{\\n    2\\n}}\\n' >> src/lib.rs\n\
             printf 'step %s\\n' \"$BATON_ITERATION\" > \"notes-$BATON_ITERATION.md\"\n\
             git add src/lib.rs && git commit -q -m \"lib: two ($BATON_ITERATION)\"\n\
             result 2\n"
        ),
    );
    env
}

/// Runs two iterations, rejecting ralph's first request with a note and approving the rest.
fn run_with_answers(env: &TestEnv) {
    let mut run = Daemon::spawn(env.baton_cmd(&["run", "--iterations", "2"]), &env.ctl);
    let awaiting = |n: usize| {
        env.read("sync/state.json").contains("awaiting-approval")
            && env
                .subjects()
                .iter()
                .filter(|s| s.contains("awaits approval"))
                .count()
                == n
    };
    run.wait_until(30, "the first request", || awaiting(1));
    env.baton(&["reject", "--note", "tests first"])
        .expect_code(0);
    run.wait_until(30, "the second request", || awaiting(2));
    env.baton(&["approve", "--note", "go ahead"]).expect_code(0);
    run.wait_until(30, "the third request", || awaiting(3));
    env.baton(&["approve"]).expect_code(0);
    run.wait(DEADLINE).expect_code(0);
}

/// Elements that reach past the viewport's right or left edge, as `tag#id.class (left–right)`.
pub(crate) const OVERFLOWING: &str = r"(() => {
  const w = window.innerWidth, out = [];
  for (const n of document.querySelectorAll('body *')) {
    const r = n.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right > w + 0.5 || r.left < -0.5)
      out.push(n.tagName.toLowerCase() + (n.id ? '#' + n.id : '') +
        (typeof n.className === 'string' && n.className ? '.' + n.className.split(' ').join('.') : '') +
        ' (' + Math.round(r.left) + '–' + Math.round(r.right) + ')');
  }
  if (document.documentElement.scrollWidth > w) out.push('page: ' + document.documentElement.scrollWidth);
  return out;
})()";

#[test]
#[ignore = "needs chromium: cargo test --test it -- --ignored browser_"]
fn browser_opens_a_turn_marks_answers_charts_cost_and_fits_a_phone() {
    let chromium = browser::find().expect("chromium is installed (the test asks for it)");
    let env = workspace();
    run_with_answers(&env);
    let journal = env.journal();
    let actors: Vec<&str> = journal.iter().filter_map(|t| t["actor"].as_str()).collect();
    assert_eq!(actors, ["galph", "galph", "ralph", "galph", "ralph"]);

    let server = Server::start(&env, &[]);
    let (_, body) = http(&server.addr, "GET", "/api/snapshot", &[], "");
    let snap: Value = serde_json::from_str(&body).expect("snapshot");
    let mut page = Browser::open(
        &chromium,
        &format!("http://{}/", server.addr),
        &env.ctl.join("chromium.log"),
    );
    page.wait_for(
        30,
        "five turns and three answers",
        "document.body && document.body.dataset.ready === '1' && \
         document.querySelectorAll('#turns tr.turn').length === 5 && \
         document.querySelectorAll('#turns tr.decision').length === 3",
    );

    // The answers: the rejection with its note, below galph's second plan (newest first); an
    // approval marked on each of ralph's turns.
    let rows = page.eval(
        "[...document.querySelectorAll('#turns tbody tr')].map(r => \
           r.classList.contains('decision') ? (r.classList.contains('approved') ? 'A' : 'R') \
           : r.dataset.actor[0] + r.dataset.iteration)",
    );
    assert_eq!(rows, json!(["r2", "A", "g2", "r1", "A", "g1", "R", "g1"]));
    let rejected = page.eval("document.querySelector('#turns tr.decision.rejected').textContent");
    let rejected = rejected.as_str().expect("text");
    assert!(
        rejected.contains("ralph's turn (iteration 1)") && rejected.contains("“tests first”"),
        "{rejected}"
    );
    let approved = page.eval(
        "[...document.querySelectorAll('#turns tr.turn')].filter(r => \
           r.querySelector('.badge.approved')).map(r => r.dataset.n)",
    );
    assert_eq!(approved, json!(["5", "3"]));

    // The charts end at the journal's totals, one line per actor, one point per turn.
    for (chart, total) in [("cost", "cost_usd"), ("tokens", "")] {
        for actor in ["galph", "ralph"] {
            let line = page.eval(&format!(
                "(() => {{ const l = document.querySelector('#chart-{chart} polyline[data-actor={actor}]'); \
                   return l && [Number(l.dataset.last), l.getAttribute('points').split(' ').length]; }})()"
            ));
            let totals = &snap["totals"]["by_actor"][actor];
            let want = if total.is_empty() {
                totals["input_tokens"].as_f64().unwrap_or(0.0)
                    + totals["output_tokens"].as_f64().unwrap_or(0.0)
            } else {
                totals[total].as_f64().expect("a cost")
            };
            let last = line[0].as_f64().expect("a line per actor");
            assert!(
                (last - want).abs() < 1e-9,
                "{chart} {actor}: {last} vs {want}"
            );
            assert_eq!(line[1], 5, "{chart} {actor}: a point per turn");
        }
    }

    // A click opens ralph's first turn: its files as the API lists them, its commits linked
    // through the template, its transcript.
    let (_, body) = http(&server.addr, "GET", "/api/turn/3/diff", &[], "");
    let diff: Value = serde_json::from_str(&body).expect("diff");
    page.eval("document.querySelector('#turns tr.turn[data-n=\"3\"]').click()");
    page.wait_for(
        30,
        "turn 3's changes and transcript",
        "!!document.querySelector('tr.detail[data-n=\"3\"] table.files') && \
         document.querySelector('tr.detail[data-n=\"3\"] pre.log').textContent.includes('ralph works on iteration 1')",
    );
    let paths = page.eval(
        "[...document.querySelectorAll('tr.detail[data-n=\"3\"] table.files tr')].map(r => r.dataset.path)",
    );
    let want: Vec<&Value> = diff["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| &f["path"])
        .collect();
    assert_eq!(paths, json!(want));
    assert_eq!(paths, json!(["notes-1.md", "src/lib.rs"]));
    let links = page.eval(
        "[...document.querySelectorAll('tr.detail[data-n=\"3\"] ul.commits a')].map(a => a.href)",
    );
    let want: Vec<String> = diff["commits"]
        .as_array()
        .expect("commits")
        .iter()
        .map(|c| TEMPLATE.replace("{sha}", c["sha"].as_str().expect("sha")))
        .collect();
    assert_eq!(links, json!(want));
    assert_eq!(want.len(), 2, "ralph's commit and Baton's");
    let head = page
        .eval("document.querySelector('#turns tr.turn[data-n=\"3\"] td.heads a:last-child').href");
    let head_after = journal[2]["head_after"].as_str().expect("head_after");
    assert_eq!(head, json!(TEMPLATE.replace("{sha}", head_after)));

    // A new snapshot (a note) keeps the opened turn as it was, not read again.
    page.eval("document.querySelector('tr.detail[data-n=\"3\"]').dataset.mark = 'kept'");
    env.baton(&["note", "for later"]).expect_code(0);
    page.wait_for(
        30,
        "the note in the snapshot",
        "document.getElementById('whose-details').textContent.includes('1 waiting')",
    );
    assert_eq!(
        page.eval("document.querySelector('tr.detail[data-n=\"3\"]').dataset.mark"),
        json!("kept")
    );

    // A phone: nothing wider than the screen.
    page.set_viewport(390, 844);
    page.wait_for(
        10,
        "the charts drawn again at the narrow screen's width",
        "[...document.querySelectorAll('.chart .plot')].every(p => \
           Number(p.querySelector('svg').getAttribute('width')) === Math.floor(p.clientWidth) && \
           p.clientWidth < 390)",
    );
    let overflowing = page.eval(OVERFLOWING);
    assert_eq!(overflowing, json!([]), "elements wider than 390 px");
    let shot = page.screenshot();
    if let Some(dir) = std::env::var_os("BATON_TEST_SHOTS") {
        std::fs::write(std::path::Path::new(&dir).join("dashboard-390.png"), &shot).expect("save");
    }
    let (width, height) = browser::png_size(&shot);
    assert_eq!(width, 390, "the whole page is as wide as the screen");
    assert!(height > 844, "and taller: {height}");
    let stacked = page.eval(
        "(() => { const a = document.getElementById('chart-cost').getBoundingClientRect(), \
           b = document.getElementById('chart-tokens').getBoundingClientRect(); return b.top >= a.bottom; })()",
    );
    assert_eq!(stacked, json!(true), "one column");
}
