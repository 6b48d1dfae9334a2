#!/bin/sh
# Side-by-side speed of mastercomp / mastermbcomp and the dynamics peers
# installed from Debian, all through gst-launch-1.0 on the same input: 60 s of
# stereo 48 kHz pink noise (decorrelated channels, about -18 dBFS RMS),
# rendered once to a float WAV.
#
#   bench/peers/dynamics.sh [build-dir]     (default: build)
#
# Every compressor works at the same point: threshold -24 dBFS, ratio 4:1,
# attack 10 ms, release 150 ms; the multiband ones with 4 bands split at
# 120 Hz, 1 kHz and 5 kHz. Prints one line per tool: CPU and wall seconds for the
# whole file (best of three runs) and the CPU ratio to our element of the
# same kind (above 1: costlier than ours). "decode only" is the pipeline with no
# processing element, the floor every line includes.
set -eu
. "$(dirname "$0")/lib/peers.sh"
peers_init "${1:-build}"

input="$work/noise.wav"
pink_noise_wav "$input" 60

run() {  # run <element description>: prints "cpu wall" seconds, the best of three runs
  # shellcheck disable=SC2086
  best_of_three gst-launch-1.0 -q filesrc location="$input" ! wavparse ! audioconvert ! \
    audio/x-raw,format=F32LE,layout=interleaved ! $1 ! audioconvert ! fakesink sync=false
}

# -24 dBFS = 0.0631 linear (LSP thresholds and audiodynamic take linear levels).
comp="mastercomp threshold=-24 ratio=4 knee=6 attack=10 release=150 post-messages=false"
lsp_comp="lsp-plug-in-plugins-lv2-compressor-stereo al=0.0631 cr=4 at=10 rt=150"
# audiodynamic: no attack/release (a static waveshaper); ratio 0.25 above threshold = 4:1.
audiodynamic="audiodynamic mode=compressor characteristics=soft-knee threshold=0.0631 ratio=0.25"

bands=""
for b in 1 2 3 4; do bands="$bands band$b::threshold=-24 band$b::ratio=4 band$b::attack=10 band$b::release=150"; done
mbcomp="mastermbcomp bands=4 split1=120 split2=1000 split3=5000 post-messages=false$bands"
lsp_bands="cbe-1=true cbe-2=true cbe-3=true sf-1=120 sf-2=1000 sf-3=5000"
for b in 0 1 2 3; do lsp_bands="$lsp_bands ce-$b=true al-$b=0.0631 cr-$b=4 at-$b=10 rt-$b=150"; done
lsp_mb="lsp-plug-in-plugins-lv2-mb-compressor-stereo $lsp_bands"

floor=$(run identity)
t_comp=$(run "$comp")
t_lsp_comp=$(run "$lsp_comp")
t_audiodynamic=$(run "$audiodynamic")
t_mb_iir=$(run "$mbcomp crossover=iir")
t_mb_linear=$(run "$mbcomp crossover=linear")
t_lsp_classic=$(run "$lsp_mb mode=0")
t_lsp_modern=$(run "$lsp_mb mode=1")

line() {  # line <name> <"cpu wall"> <ours "cpu wall"> <ours name>
  printf '%-56s %6.2f s cpu %6.2f s wall   x%.2f of %s (cpu)\n' "$1" "${2% *}" "${2#* }" \
    "$(ratio "${2% *}" "${3% *}")" "$4"
}
echo "60 s stereo 48 kHz float; user+system CPU and wall time, best of 3 (gst-launch-1.0)"
line "decode only (identity)" "$floor" "$t_comp" "mastercomp"
line "mastercomp" "$t_comp" "$t_comp" "mastercomp"
line "LSP Compressor Stereo (LV2)" "$t_lsp_comp" "$t_comp" "mastercomp"
line "GStreamer audiodynamic (soft knee, no ballistics)" "$t_audiodynamic" "$t_comp" "mastercomp"
line "mastermbcomp, 4 bands, iir (LR4 + allpass)" "$t_mb_iir" "$t_mb_iir" "mastermbcomp iir"
line "LSP Multiband Compressor Stereo (LV2), 4 bands, classic" "$t_lsp_classic" "$t_mb_iir" "mastermbcomp iir"
line "mastermbcomp, 4 bands, linear phase" "$t_mb_linear" "$t_mb_linear" "mastermbcomp linear"
line "LSP Multiband Compressor Stereo (LV2), 4 bands, modern" "$t_lsp_modern" "$t_mb_linear" "mastermbcomp linear"
