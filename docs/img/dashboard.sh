#!/usr/bin/env bash
# Makes docs/img/dashboard.png: a demo-like combined run (a scripted agent that speaks Claude
# Code's stream-json, so turns carry tokens and cost) whose ralph turns wait for approval (the
# first is rejected with a note, the others approved), `baton serve` beside it, and a headless
# Chromium screenshot taken while a turn runs, with one of ralph's turns opened (#turn=N).
# Usage: docs/img/dashboard.sh [path/to/baton]; DASHBOARD_SIZE=390,2600 and DASHBOARD_OUT=FILE
# take it at another size (a phone's width) into another file.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
baton="$(realpath "${1:-target/release/baton}")"
out="${DASHBOARD_OUT:-$here/dashboard.png}"
size="${DASHBOARD_SIZE:-1280,1560}"
tmp="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

ws="$tmp/project"
mkdir -p "$ws/src" && cd "$ws"
git init -q -b main
git config user.name "Demo" && git config user.email "demo@example.invalid"
"$baton" init >/dev/null
printf 'fn main() {}\n' > src/main.rs
cat > "$tmp/agent.sh" <<'AGENT'
#!/bin/sh
# A scripted agent in Claude Code's stream-json format; ralph really edits src/.
cat > /dev/null
n=$(ls "$TEST_TMP"/turn-* 2>/dev/null | wc -l); touch "$TEST_TMP/turn-$n"
say() { printf '{"type":"assistant","message":{"model":"claude-sonnet-4-5","content":[{"type":"text","text":"%s"}]}}\n' "$1"; sleep 0.6; }
tool() { printf '{"type":"assistant","message":{"model":"claude-sonnet-4-5","content":[{"type":"tool_use","id":"t%s-%s","name":"%s","input":{"%s":"%s"}}]}}\n' "$n" "$1" "$1" "$3" "$2"; sleep 0.6; }
printf '{"type":"system","subtype":"init","session_id":"demo-%s","model":"claude-sonnet-4-5"}\n' "$n"
if [ "$BATON_ACTOR" = galph ]; then
  say "Reading docs/fix_plan.md and the last diff."
  tool Read docs/fix_plan.md file_path
  say "Next: ralph adds input validation to the parser, with tests."
else
  say "Starting on the parser validation."
  tool Bash "cargo test --lib" command
  tool Edit src/parse.rs file_path
  echo "// validated input, step $n" >> src/main.rs
  printf 'pub fn parse(s: &str) -> Option<u32> {\n    s.trim().parse().ok()\n}\n// step %s\n' "$n" >> src/parse.rs
  git add src/parse.rs && git commit -qm "parse: validate input (step $n)"
  say "Added validation and three tests; cargo test passes."
fi
[ "$n" -ge 5 ] && while [ ! -f "$TEST_TMP/release" ]; do sleep 0.2; done
cost=$(awk "BEGIN{print 0.04 + $n * 0.013}")
printf '{"type":"result","subtype":"success","is_error":false,"result":"done","total_cost_usd":%s,"usage":{"input_tokens":%s,"output_tokens":%s}}\n' "$cost" $((12000 + n * 1700)) $((800 + n * 140))
AGENT
cat > orchestration.yaml <<YAML
agent:
  default: demo
  commands:
    demo: [sh, "$tmp/agent.sh"]
  formats:
    demo: claude-stream-json
review_every_n: 2
budget:
  max_cost_usd: 1.00
  max_turns: 12
approval:
  before: [ralph]
serve:
  commit_url: https://github.com/you/project/commit/{sha}
YAML
git add -A && git commit -qm "demo workspace"

export TEST_TMP="$tmp"
"$baton" serve --addr 127.0.0.1:0 > "$tmp/serve.out" 2>&1 & pids+=($!)
"$baton" run --iterations 4 -q > "$tmp/run.out" 2>&1 & pids+=($!)
until grep -q 'http://' "$tmp/serve.out"; do sleep 0.1; done
url="$(grep -o 'http://[^ ]*' "$tmp/serve.out" | head -1)"
# The person: rejects ralph's first request with a note, approves the others.
answers=0
until [ -f "$tmp/turn-5" ]; do
  if grep -q awaiting-approval sync/state.json 2>/dev/null; then
    if [ "$answers" -eq 0 ]; then
      "$baton" reject --note "Add the tests first, then the parser change" >/dev/null
    else
      "$baton" approve --note "Go ahead" >/dev/null
    fi
    answers=$((answers + 1))
  fi
  sleep 0.3
done
sleep 1
# Turn 3 is ralph's first (galph, galph again after the rejection, then ralph).
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --timeout=8000 --screenshot="$out" --window-size="$size" "$url#turn=3" 2>/dev/null
touch "$tmp/release"
echo "wrote $out"
