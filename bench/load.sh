#!/bin/sh
# Load: N concurrent stereo 48 kHz pipelines, each its own gst-launch-1.0
# process,
#
#   filesrc ! wavparse ! masternorm speed=radio ! masterlimiter ! fakesink sync=false
#
# all started at once on the same programme (tests/common/programme.hpp:
# music, speech and tone items at -32 to -8 LUFS with pauses, written once as
# a float WAV). Each pipeline's realtime factor is its audio seconds over the
# wall seconds gst-launch reports from PLAYING to EOS; the headroom is the
# slowest one's factor: above 1, every pipeline ran faster than realtime.
# Exits non-zero when it is not.
#
#   bench/load.sh [build-dir] [pipelines] [seconds]   (defaults: build, 16, 60)
set -eu

pipelines=${2:-16}
seconds=${3:-60}
. "$(dirname "$0")/peers/lib/peers.sh"
peers_init "${1:-build}"
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")  # peers_init assumes a script one folder deeper

helper="$work/norm_programme"
c++ -std=c++20 -O2 -I"$root/tests/common" "$here/peers/norm_programme.cpp" -lebur128 -o "$helper"
input="$work/programme.wav"
"$helper" write 48000 "$(echo "$seconds / 60" | bc -l)" "$input"

echo "$pipelines pipelines at once, each $seconds s of stereo 48 kHz programme:"
echo "  filesrc ! wavparse ! masternorm speed=radio ! masterlimiter ! fakesink sync=false"
echo "  $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s.%N)
i=1
while [ "$i" -le "$pipelines" ]; do
  gst-launch-1.0 filesrc location="$input" ! wavparse ! audioconvert ! \
    audio/x-raw,format=F32LE,layout=interleaved,rate=48000,channels=2 ! \
    masternorm speed=radio ! masterlimiter ! fakesink sync=false > "$work/run$i.log" 2>&1 &
  i=$((i + 1))
done
failed=0
wait || failed=1
end=$(date +%s.%N)

# "Execution ended after 0:00:04.123456789": PLAYING to EOS.
slowest="" fastest=""
i=1
while [ "$i" -le "$pipelines" ]; do
  took=$(sed -n 's/^Execution ended after \([0-9]*\):\([0-9]*\):\([0-9.]*\)$/\1 \2 \3/p' "$work/run$i.log" |
    awk '{ print $1 * 3600 + $2 * 60 + $3 }')
  if [ -z "$took" ] || grep -q '^ERROR' "$work/run$i.log"; then
    echo "pipeline $i failed:" >&2
    cat "$work/run$i.log" >&2
    failed=1
    i=$((i + 1))
    continue
  fi
  factor=$(echo "$seconds / $took" | bc -l)
  printf '  pipeline %2d: %6.2f s wall  %6.1fx realtime\n' "$i" "$took" "$factor"
  if [ -z "$slowest" ] || [ "$(echo "$factor < $slowest" | bc -l)" = 1 ]; then slowest=$factor; fi
  if [ -z "$fastest" ] || [ "$(echo "$factor > $fastest" | bc -l)" = 1 ]; then fastest=$factor; fi
  i=$((i + 1))
done
[ "$failed" = 0 ] || exit 1

wall=$(echo "$end - $start" | bc -l)
printf '  all %d done in %.2f s wall: %.1fx realtime in all; load average after: %s\n' \
  "$pipelines" "$wall" "$(echo "$pipelines * $seconds / $wall" | bc -l)" \
  "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'headroom %.1f (slowest pipeline; fastest %.1fx): %s\n' "$slowest" "$fastest" \
  "$(if [ "$(echo "$slowest > 1" | bc -l)" = 1 ]; then echo "every pipeline faster than realtime"; else echo "NOT all faster than realtime"; fi)"
[ "$(echo "$slowest > 1" | bc -l)" = 1 ]
