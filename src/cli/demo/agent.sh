#!/bin/sh
# Baton demo agent: reads its prompt on stdin and edits the workspace the way a real coding
# agent would, according to the prompt Baton chose ($BATON_PROMPT).
set -e
head -n 1 >/dev/null   # the prompt's first line: a real agent would read all of it
cat >/dev/null
n="$BATON_ITERATION"
case "$BATON_PROMPT" in
  supervisor.md)
    printf '# Instruction (iteration %s)\n\nAdd step %s to app/steps.txt, commit it, report.\n' \
      "$n" "$n" > input.md
    echo "galph: planned iteration $n in input.md" ;;
  main.md)
    mkdir -p app reports
    echo "step $n" >> app/steps.txt
    git add app/steps.txt
    git commit -q -m "ralph: add step $n"
    printf '# Report (iteration %s)\n\nAdded step %s; app/steps.txt has %s lines.\n' \
      "$n" "$n" "$(wc -l < app/steps.txt | tr -d ' ')" > "reports/iter-$n.md"
    echo "ralph: added step $n, committed it, wrote reports/iter-$n.md" ;;
  reviewer.md)
    mkdir -p reports
    printf '# Review (iteration %s)\n\nLast change: %s\nVerdict: ok\n' \
      "$n" "$(git log -1 --format=%s)" > "reports/review-$n.md"
    echo "$BATON_ACTOR: reviewed the last change in reports/review-$n.md" ;;
  *) echo "demo agent: no script for $BATON_PROMPT" >&2; exit 3 ;;
esac
