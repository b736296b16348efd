#!/bin/sh
# Baton demo agent: reads its prompt on stdin and edits the workspace the way a real coding
# agent would, according to the prompt Baton chose ($BATON_PROMPT).
#
# It speaks Claude Code's `claude -p --output-format stream-json --verbose` (one JSON message a
# line: the `system` init, `assistant` messages with text and tool_use blocks, and the final
# `result` with `usage` and `total_cost_usd`; the shapes Baton reads are listed in
# src/agent/output/claude.rs and docs/agents.md), so each turn's receipt shows tokens and a
# cost. The figures are made up from the prompt's size at Claude Sonnet's list prices ($3 per
# million input tokens, $15 per million output tokens): the demo calls no model.
set -e
bytes=$(wc -c | tr -d ' ')   # reads the whole prompt, as an agent does
n="$BATON_ITERATION"
session="demo-$BATON_ACTOR-$n"

# One stream-json message: an assistant text block.
say() {
  printf '{"type":"assistant","message":{"id":"msg-%s-%s","model":"demo","content":[{"type":"text","text":"%s"}]},"session_id":"%s"}\n' \
    "$session" "$2" "$1" "$session"
}
# One tool_use block: the tool's name and its command.
tool() {
  printf '{"type":"assistant","message":{"id":"msg-%s-%s","model":"demo","content":[{"type":"tool_use","id":"tool-%s","name":"Bash","input":{"command":"%s"}}]},"session_id":"%s"}\n' \
    "$session" "$2" "$2" "$1" "$session"
}

printf '{"type":"system","subtype":"init","session_id":"%s","model":"demo"}\n' "$session"
case "$BATON_PROMPT" in
  supervisor.md)
    printf '# Instruction (iteration %s)\n\nAdd step %s to app/steps.txt, commit it, report.\n' \
      "$n" "$n" > input.md
    said="galph: planned iteration $n in input.md" ;;
  main.md)
    mkdir -p app reports
    echo "step $n" >> app/steps.txt
    git add app/steps.txt
    tool "git commit -m 'ralph: add step $n'" 1
    git commit -q -m "ralph: add step $n"
    printf '# Report (iteration %s)\n\nAdded step %s; app/steps.txt has %s lines.\n' \
      "$n" "$n" "$(wc -l < app/steps.txt | tr -d ' ')" > "reports/iter-$n.md"
    said="ralph: added step $n, committed it, wrote reports/iter-$n.md" ;;
  reviewer.md)
    mkdir -p reports
    printf '# Review (iteration %s)\n\nLast change: %s\nVerdict: ok\n' \
      "$n" "$(git log -1 --format=%s)" > "reports/review-$n.md"
    said="$BATON_ACTOR: reviewed the last change in reports/review-$n.md" ;;
  *) echo "demo agent: no script for $BATON_PROMPT" >&2; exit 3 ;;
esac
say "$said" 2

input=$((bytes / 4 + 2400))
output=$((160 + 30 * n))
cost=$(awk -v i="$input" -v o="$output" 'BEGIN { printf "%.6f", (i * 3 + o * 15) / 1000000 }')
printf '{"type":"result","subtype":"success","is_error":false,"result":"%s","num_turns":1,"session_id":"%s","total_cost_usd":%s,"usage":{"input_tokens":%s,"output_tokens":%s,"cache_read_input_tokens":0,"cache_creation_input_tokens":0}}\n' \
  "$said" "$session" "$cost" "$input" "$output"
