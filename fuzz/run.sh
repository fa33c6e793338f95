#!/usr/bin/env bash
# Builds every fuzz target and runs each for SECONDS (default 60) from its
# seed corpus (fuzz/seeds/<target>/) with the SMTP dictionary. Exits non-zero
# if any target finds a crash, a failed invariant, a leak or a timeout; the
# input is kept and printed so it can become a regression test in
# core/tests/fuzz_regressions.rs.
#
# Usage: fuzz/run.sh [SECONDS]
# Env:   FUZZ_TARGETS="a b"  run only these targets
#        FUZZ_WORK=DIR       scratch dir for corpora, logs and crashes
#                            (default: a fresh temp dir; the repo stays clean)
#        FUZZ_JOBS=N         parallel targets (default 1)
set -euo pipefail
SECONDS_PER_TARGET=${1:-60}
cd "$(dirname "$0")"
FUZZ_DIR=$PWD

# cargo-fuzz needs nightly (sanitizer flags); it is installed on the
# project's machines. cargo-fuzz itself comes from crates.io, once.
if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzz/run.sh: the nightly toolchain is missing (rustup toolchain install nightly)" >&2
  exit 1
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz/run.sh: installing cargo-fuzz from crates.io"
  cargo install cargo-fuzz
fi

KEEP_WORK=${FUZZ_WORK:+1}
WORK=${FUZZ_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/smtp-fuzz.XXXXXX")}
mkdir -p "$WORK"
TARGETS=${FUZZ_TARGETS:-$(cargo +nightly fuzz list)}

t0=$SECONDS
cargo +nightly fuzz build
echo "fuzz/run.sh: built $(echo "$TARGETS" | wc -w) targets in $((SECONDS - t0))s"

run_one() {
  local t=$1 corpus="$WORK/corpus/$1" art="$WORK/artifacts/$1/" log="$WORK/logs/$1.log"
  mkdir -p "$corpus" "$art" "$WORK/logs"
  if [ -d "seeds/$t" ]; then cp -n "seeds/$t"/* "$corpus"/ 2>/dev/null || true; fi
  # -timeout: one input taking 10 s is a hang (a bound missing somewhere).
  # -rss_limit_mb: a memory blow-up is a finding too.
  if cargo +nightly fuzz run "$t" "$corpus" -- \
      -dict="$FUZZ_DIR/smtp.dict" -max_total_time="$SECONDS_PER_TARGET" \
      -timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
      -artifact_prefix="$art" >"$log" 2>&1; then
    echo ok >"$WORK/logs/$t.status"
  else
    echo FAIL >"$WORK/logs/$t.status"
  fi
}

t1=$SECONDS
jobs=${FUZZ_JOBS:-1}
for t in $TARGETS; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 1; done
  run_one "$t" &
done
wait

passed=0
failed=0
printf '\n%-22s %-6s %10s %8s %8s\n' target result execs cov ft
for t in $TARGETS; do
  log="$WORK/logs/$t.log"
  status=$(cat "$WORK/logs/$t.status" 2>/dev/null || echo FAIL)
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  last=$(grep -E '(DONE|pulse|NEW|REDUCE|INITED).*cov: ' "$log" | tail -1 || true)
  cov=$(echo "$last" | grep -o 'cov: [0-9]*' | grep -o '[0-9]*' || echo '?')
  ft=$(echo "$last" | grep -o 'ft: [0-9]*' | grep -o '[0-9]*' || echo '?')
  printf '%-22s %-6s %10s %8s %8s\n' "$t" "$status" "${execs:-?}" "${cov:-?}" "${ft:-?}"
  if [ "$status" = ok ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "---- $t failed; log tail:" >&2
    tail -40 "$log" >&2
    for f in "$WORK/artifacts/$t"/*; do
      [ -f "$f" ] || continue
      echo "---- $t finding $f (hex):" >&2
      od -An -c "$f" | head -20 >&2
    done
  fi
done
echo "fuzz/run.sh: ran ${SECONDS_PER_TARGET}s per target in $((SECONDS - t1))s"
if [ "$failed" -eq 0 ] && [ -z "$KEEP_WORK" ]; then
  rm -rf "$WORK"
else
  echo "fuzz/run.sh: corpora, logs and findings kept in $WORK"
fi
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
