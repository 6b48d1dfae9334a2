#!/bin/sh
# Side-by-side speed of masterdither and the dithering peers: GStreamer's own
# audioconvert (dithering=tpdf-hf noise-shaping=high) and sox (dither -s,
# Shibata-shaped TPDF), all turning the same input into a 16-bit WAV: 60 s of
# stereo 48 kHz pink noise, rendered once to a float WAV.
#
#   bench/peers/dither.sh [build-dir]     (default: build)
#
# Prints one line per tool: CPU (user + system) and wall seconds for the whole
# file (best of three runs) and the CPU ratio to masterdither (above 1:
# costlier than ours). "convert only" is audioconvert to S16 without dither,
# the floor every GStreamer line includes (decoding, conversion, writing).
set -eu
. "$(dirname "$0")/lib/peers.sh"
peers_init "${1:-build}"

input="$work/noise.wav"
output="$work/out.wav"
pink_noise_wav "$input" 60

gst_to_s16() {  # gst_to_s16 <element description>: prints "cpu wall"
  # shellcheck disable=SC2086
  best_of_three gst-launch-1.0 -q filesrc location="$input" ! wavparse ! audioconvert ! \
    audio/x-raw,format=F32LE,layout=interleaved ! $1 ! audio/x-raw,format=S16LE ! \
    wavenc ! filesink location="$output"
}

floor=$(gst_to_s16 "audioconvert dithering=none noise-shaping=none")
t_ours=$(gst_to_s16 "masterdither bits=16 type=shaped shape=aggressive")
t_convert=$(gst_to_s16 "audioconvert dithering=tpdf-hf noise-shaping=high")
t_sox=$(best_of_three sox -q "$input" -b 16 -e signed-integer "$output" dither -s)

line() {  # line <name> <"cpu wall">
  printf '%-58s %6.2f s cpu %6.2f s wall   x%.2f of ours (cpu)\n' "$1" "${2% *}" "${2#* }" \
    "$(ratio "${2% *}" "${t_ours% *}")"
}
echo "60 s stereo 48 kHz float to 16-bit WAV; user+system CPU and wall time, best of 3"
line "convert only (audioconvert, no dither)" "$floor"
line "masterdither bits=16 type=shaped shape=aggressive (9-tap)" "$t_ours"
line "audioconvert dithering=tpdf-hf noise-shaping=high" "$t_convert"
line "sox dither -s (Shibata-shaped TPDF)" "$t_sox"
