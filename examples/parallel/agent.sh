#!/bin/sh
# The scripted agent of the parallel example, so that `baton demo --example parallel` runs
# offline in seconds. galph plans eight tasks (two of which touch the same file, so one of them
# conflicts), four ralphs work on them at once, and the conflicting task is redone on top of
# what landed in the next iteration.
set -e
cat >/dev/null
case "$BATON_ACTOR" in
  galph)
    if [ ! -d tasks ]; then
      mkdir -p tasks
      for i in 1 2 3 4 5 6; do
        printf 'Write src/part%s.txt with the text "part %s".\n' "$i" "$i" > "tasks/part$i.md"
      done
      printf 'depends: [part1]\nAppend "intro" to NOTES.md.\n' > tasks/notes-a.md
      printf 'depends: [part1]\nAppend "summary" to NOTES.md.\n' > tasks/notes-b.md
      echo "galph: planned 8 tasks in tasks/"
    elif [ -n "$BATON_CONFLICTS" ]; then
      echo "galph: a branch conflicted ($BATON_CONFLICTS); its task is open again and is redone"
      echo "galph: on top of what landed"
    else
      echo "galph: every task landed"
      echo "<promise>COMPLETE</promise>"
    fi ;;
  ralph)
    case "$BATON_TASK" in
      part*) mkdir -p src; echo "${BATON_TASK#part}" | sed 's/^/part /' > "src/$BATON_TASK.txt" ;;
      notes-a) echo intro >> NOTES.md ;;
      notes-b) echo summary >> NOTES.md ;;
      *) echo "ralph: no task" ;;
    esac
    sleep 0.2
    echo "$BATON_WORKER: did $BATON_TASK" ;;
  *) echo "no script for $BATON_ACTOR" >&2; exit 3 ;;
esac
