#!/bin/sh
# The scripted agent of the pr-review example: what a real agent would write, written by a
# script, so that `baton demo --example pr-review` runs offline in seconds. Baton gives every
# turn its prompt on stdin and says whose turn it is in BATON_ACTOR.
set -e
cat >/dev/null
mkdir -p reports
round() { grep -c "^round" "$1" 2>/dev/null || echo 0; }
case "$BATON_ACTOR" in
  galph)
    printf '# The change\n\nA new parser for the config file (src/parse.rs).\nLook at input handling and at the module layout.\n' > reports/change.md
    echo "galph: wrote reports/change.md for the reviewers" ;;
  sec)
    n=$(( $(round reports/security.md) + 1 ))
    printf 'round %s: the parser reads files of any size (src/parse.rs:12): cap it at 1 MiB\n' "$n" >> reports/security.md
    echo "sec: review round $n in reports/security.md" ;;
  arch)
    n=$(( $(round reports/architecture.md) + 1 ))
    printf 'round %s: parsing and validation are one function; split them (src/parse.rs:40)\n' "$n" >> reports/architecture.md
    echo "arch: review round $n in reports/architecture.md" ;;
  critic)
    if [ "$(round reports/security.md)" -lt 2 ]; then
      printf 'round %s: the security review names no test for the cap\n' "$(round reports/security.md)" >> reports/critique.md
      echo "critic: one point is missing; sent back"
      echo "BATON-NEXT: revise"
    else
      echo "critic: both reviews are complete"
      echo "BATON-NEXT: ok"
    fi ;;
  synth)
    {
      echo "# Review: request changes"
      echo
      echo "## Security"; cat reports/security.md; echo
      echo "## Architecture"; cat reports/architecture.md; echo
      echo "## What the critic asked"; cat reports/critique.md 2>/dev/null || true
    } > reports/review.md
    echo "synth: wrote reports/review.md" ;;
  *) echo "no script for $BATON_ACTOR" >&2; exit 3 ;;
esac
