#!/bin/sh
# Runs one fuzz target: first every input of its committed corpus (a
# regression run), then new inputs for LACQUER_FUZZ_SECONDS (default 10)
# starting from that corpus. New interesting inputs go to a scratch corpus
# next to the executable, never into the source tree.
#   run_target.sh TARGET CORPUS_DIR [extra libFuzzer flags]
set -eu
target=$1
corpus=$2
shift 2
seconds=${LACQUER_FUZZ_SECONDS:-10}
scratch="$target.corpus"
artifacts="$target.artifacts"
mkdir -p "$scratch" "$artifacts"
dict=""
[ -f "$corpus.dict" ] && dict="-dict=$corpus.dict"
"$target" -runs=0 $dict "$@" "$corpus"
[ "$seconds" -gt 0 ] || exit 0
# -len_control=0: inputs up to the full 4 KiB from the start; a stage target
# needs long inputs to reach many blocks and parameter changes.
# -timeout: an input that takes a minute is a finding too.
exec "$target" -max_total_time="$seconds" -len_control=0 -timeout=60 -print_final_stats=1 \
  -artifact_prefix="$artifacts/" $dict "$@" "$scratch" "$corpus"
