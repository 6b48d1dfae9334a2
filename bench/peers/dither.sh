#!/bin/sh
# Side-by-side speed of masterdither and the dithering peers: GStreamer's own
# audioconvert (dithering=tpdf-hf noise-shaping=high) and sox (dither -s,
# Shibata-shaped TPDF), all turning the same input into a 16-bit WAV: 60 s of
# stereo 48 kHz pink noise, rendered once to a float WAV.
#
#   bench/peers/dither.sh [build-dir]     (default: build)
#
# Prints one line per tool: wall seconds for the whole file (best of three
# runs) and the ratio to masterdither (above 1: slower than ours). "convert
# only" is audioconvert to S16 without dither, the floor every GStreamer line
# includes (decoding, conversion, writing).
set -eu

build=${1:-build}
case $build in /*) ;; *) build=$(pwd)/$build ;; esac
if [ ! -f "$build/elements/libgstlacquer.so" ]; then
  echo "no $build/elements/libgstlacquer.so: build the GStreamer plugin first" >&2
  exit 1
fi
export GST_PLUGIN_PATH="$build/elements${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
input="$work/noise.wav"
output="$work/out.wav"

# Two independent pink-noise generators, interleaved, at about -15 dBFS RMS.
gst-launch-1.0 -q audiointerleave name=mix ! audioconvert ! \
  audio/x-raw,format=F32LE,rate=48000,channels=2 ! wavenc ! filesink location="$input" \
  audiotestsrc wave=pink-noise volume=0.3 num-buffers=2813 samplesperbuffer=1024 ! \
    audio/x-raw,format=F32LE,rate=48000,channels=1 ! mix. \
  audiotestsrc wave=pink-noise volume=0.3 num-buffers=2813 samplesperbuffer=1024 ! \
    audio/x-raw,format=F32LE,rate=48000,channels=1 ! mix.

best_of_three() {  # best_of_three <command...>: prints the best wall seconds
  best=""
  for _ in 1 2 3; do
    start=$(date +%s.%N)
    "$@"
    end=$(date +%s.%N)
    took=$(echo "$end - $start" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$took < $best" | bc -l)" = 1 ]; then best=$took; fi
  done
  echo "$best"
}

gst_to_s16() {  # gst_to_s16 <element description>
  # shellcheck disable=SC2086
  gst-launch-1.0 -q filesrc location="$input" ! wavparse ! audioconvert ! \
    audio/x-raw,format=F32LE,layout=interleaved ! $1 ! audio/x-raw,format=S16LE ! \
    wavenc ! filesink location="$output"
}

floor=$(best_of_three gst_to_s16 "audioconvert dithering=none noise-shaping=none")
t_ours=$(best_of_three gst_to_s16 "masterdither bits=16 type=shaped shape=aggressive")
t_convert=$(best_of_three gst_to_s16 "audioconvert dithering=tpdf-hf noise-shaping=high")
t_sox=$(best_of_three sox -q "$input" -b 16 -e signed-integer "$output" dither -s)

line() {  # line <name> <seconds>
  printf '%-62s %7.2f s   x%.2f of ours\n' "$1" "$2" "$(echo "$2 / $t_ours" | bc -l)"
}
echo "60 s stereo 48 kHz float to 16-bit WAV, wall time per run (one process each)"
line "convert only (audioconvert, no dither)" "$floor"
line "masterdither bits=16 type=shaped shape=aggressive (9-tap)" "$t_ours"
line "audioconvert dithering=tpdf-hf noise-shaping=high" "$t_convert"
line "sox dither -s (Shibata-shaped TPDF)" "$t_sox"
