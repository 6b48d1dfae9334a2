#!/bin/sh
# End-to-end speed of `lacquer master` against ffmpeg's two-pass loudnorm +
# alimiter, the job users compare it with: a 5-minute stereo 48 kHz file (the
# demo mix repeated ten times, 24-bit WAV) mastered to -14 LUFS / -1 dBTP and
# written as a 24-bit WAV.
#
#   bench/peers/chain.sh [build-dir]     (default: build)
#
# Prints the whole-run wall seconds of each tool, its ratio to lacquer (above
# 1: slower than ours), the realtime factor of each lacquer render, and the
# loudness and true peak each output reaches (ffmpeg's ebur128 reading).
set -eu

build=${1:-build}
case $build in /*) ;; *) build=$(pwd)/$build ;; esac
lacquer="$build/cli/lacquer"
if [ ! -x "$lacquer" ]; then
  echo "no $lacquer: build the cli first" >&2
  exit 1
fi
root=$(cd "$(dirname "$0")/../.." && pwd)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
input="$work/five-minutes.wav"
for _ in 1 2 3 4 5 6 7 8 9 10; do echo "file '$root/data/demo-mix.flac'"; done > "$work/list.txt"
ffmpeg -v error -nostdin -f concat -safe 0 -i "$work/list.txt" -c:a pcm_s24le "$input"

seconds() { date +%s.%N; }

measure() {  # measure FILE: "I LUFS, TP dBTP" as ffmpeg's ebur128 reads them
  ffmpeg -nostdin -hide_banner -nostats -i "$1" -af ebur128=peak=true -f null - 2>&1 |
    sed -n '/Summary:/,$p' | awk '/ I:/ {i=$2} /Peak:/ {p=$2} END {printf "%s LUFS, %s dBTP", i, p}'
}

# lacquer: measure, render, verify (re-render while off target, at most 3).
start=$(seconds)
"$lacquer" master "$input" "$work/lacquer.wav" --target spotify --json > "$work/lacquer.json"
lacquer_s=$(echo "$(seconds) - $start" | bc)

# ffmpeg: loudnorm pass 1 measures, pass 2 renders in linear mode with the
# measured values, alimiter holds the ceiling (-1 dBFS = 0.891).
start=$(seconds)
ffmpeg -nostdin -hide_banner -i "$input" -af loudnorm=I=-14:TP=-1:LRA=20:print_format=json \
  -f null - 2> "$work/pass1.txt"
value() { sed -n "s/.*\"$1\" : \"\\([-0-9.inf]*\\)\".*/\\1/p" "$work/pass1.txt"; }
ffmpeg -nostdin -v error -i "$input" -af "loudnorm=I=-14:TP=-1:LRA=20:linear=true:\
measured_I=$(value input_i):measured_TP=$(value input_tp):measured_LRA=$(value input_lra):\
measured_thresh=$(value input_thresh):offset=$(value target_offset),alimiter=limit=0.891:level=false" \
  -ar 48000 -c:a pcm_s24le "$work/ffmpeg.wav"
ffmpeg_s=$(echo "$(seconds) - $start" | bc)

printf "%-40s %8.2f s  x%.2f  (%s)\n" "lacquer master (measure+render+verify)" "$lacquer_s" 1 \
  "$(measure "$work/lacquer.wav")"
printf "%-40s %8.2f s  x%.2f  (%s)\n" "ffmpeg loudnorm 2-pass + alimiter" "$ffmpeg_s" \
  "$(echo "$ffmpeg_s / $lacquer_s" | bc -l)" "$(measure "$work/ffmpeg.wav")"
python3 - "$work/lacquer.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(f"lacquer: measure {d['measure_seconds']:.2f} s; " + "; ".join(
    f"render {i + 1} {r['render_seconds']:.2f} s ({r['realtime_factor']:.0f}x realtime), "
    f"verify {r['verify_seconds']:.2f} s" for i, r in enumerate(d['renders'])))
PY
