#!/bin/sh
# Side-by-side speed of mastereq and the equalizer peers, 8 active bands on
# the same input (600 s of stereo 48 kHz pink noise, rendered once to a float
# WAV), each decoded, filtered and discarded by gst-launch-1.0:
#   - minimum phase: mastereq phase=minimum vs GStreamer's equalizer-nbands
#     (8 bands) and LSP Parametric Equalizer x16 Stereo in IIR mode;
#   - linear phase: mastereq phase=linear vs LSP in FIR mode.
# equalizer-nbands has only peak and shelf bands, so its two cut bands are
# shelves; LSP and mastereq run the same eight shapes (cuts 24 and 12 dB/oct).
#
#   bench/peers/eq.sh [build-dir]     (default: build)
#
# Prints one line per tool: CPU (user + system) and wall seconds for the whole
# file, the best of three runs, and the CPU ratio to mastereq in the same mode
# (above 1: costlier than ours). CPU time stays fair on a busy machine where
# wall time does not. "decode only" is the pipeline without an equalizer, the
# floor every line includes. The input is long because the times are read to
# 0.01 s: a stage at 25 ns per frame takes about 0.7 s of CPU on it.
set -eu

. "$(dirname "$0")/lib/peers.sh"
peers_init "${1:-build}"

input="$work/noise.wav"
seconds=600
pink_noise_wav "$input" $seconds

run() {  # run <element description>: prints "cpu wall" seconds, the best of three runs
  # shellcheck disable=SC2086
  best_of_three gst-launch-1.0 -q filesrc location="$input" ! wavparse ! audioconvert ! \
    audio/x-raw,format=F32LE,layout=interleaved ! $1 ! fakesink sync=false
}

# The eight bands: low cut 25 Hz, low shelf 80 Hz +2, bells 250 Hz -1.5 (Q 0.8),
# 800 Hz +1 (Q 1.2), 3 kHz -2 (Q 2), 6 kHz +1.5 (Q 1), high shelf 12 kHz +1,
# high cut 20 kHz.
ours="mastereq \
  band1::type=low_cut band1::freq=25 band1::slope=24dB \
  band2::type=low_shelf band2::freq=80 band2::gain=2 band2::q=0.707 \
  band3::type=bell band3::freq=250 band3::gain=-1.5 band3::q=0.8 \
  band4::type=bell band4::freq=800 band4::gain=1 band4::q=1.2 \
  band5::type=bell band5::freq=3000 band5::gain=-2 band5::q=2 \
  band6::type=bell band6::freq=6000 band6::gain=1.5 band6::q=1 \
  band7::type=high_shelf band7::freq=12000 band7::gain=1 band7::q=0.707 \
  band8::type=high_cut band8::freq=20000 band8::slope=12dB"

# equalizer-nbands: bandwidth in Hz (freq / Q), type 0 peak, 1 low shelf, 2 high shelf.
nbands="equalizer-nbands num-bands=8 \
  band0::type=1 band0::freq=25 band0::gain=-12 band0::bandwidth=25 \
  band1::type=1 band1::freq=80 band1::gain=2 band1::bandwidth=113 \
  band2::type=0 band2::freq=250 band2::gain=-1.5 band2::bandwidth=312 \
  band3::type=0 band3::freq=800 band3::gain=1 band3::bandwidth=667 \
  band4::type=0 band4::freq=3000 band4::gain=-2 band4::bandwidth=1500 \
  band5::type=0 band5::freq=6000 band5::gain=1.5 band5::bandwidth=6000 \
  band6::type=2 band6::freq=12000 band6::gain=1 band6::bandwidth=16970 \
  band7::type=2 band7::freq=20000 band7::gain=-12 band7::bandwidth=20000"

# LSP: ft 1 bell, 2 hi-pass, 3 hi-shelf, 4 lo-pass, 5 lo-shelf; gains linear;
# slope x2 = 24 dB/oct for the high-pass.
lsp="lsp-plug-in-plugins-lv2-para-equalizer-x16-stereo enabled=true \
  ft-0=2 f-0=25 s-0=1 q-0=0.707 \
  ft-1=5 f-1=80 g-1=1.259 q-1=0.707 \
  ft-2=1 f-2=250 g-2=0.841 q-2=0.8 \
  ft-3=1 f-3=800 g-3=1.122 q-3=1.2 \
  ft-4=1 f-4=3000 g-4=0.794 q-4=2 \
  ft-5=1 f-5=6000 g-5=1.189 q-5=1 \
  ft-6=3 f-6=12000 g-6=1.122 q-6=0.707 \
  ft-7=4 f-7=20000 s-7=0 q-7=0.707"

floor=$(run identity)
t_min=$(run "$ours phase=minimum")
t_nbands=$(run "$nbands")
t_lsp_iir=$(run "$lsp mode=0")
t_lin=$(run "$ours phase=linear")
t_lsp_fir=$(run "$lsp mode=1")

line() {  # line <name> <"cpu wall"> <ours "cpu wall">
  cpu=${2% *}
  wall=${2#* }
  printf '%-48s %6.2f s cpu %6.2f s wall   x%.2f of ours (cpu)\n' "$1" "$cpu" "$wall" \
    "$(ratio "$cpu" "${3% *}")"
}
echo "$seconds s stereo 48 kHz float, 8 active bands; user+system CPU and wall time, best of 3 (gst-launch-1.0)"
printf '%-48s %6.2f s cpu %6.2f s wall\n' "decode only (identity)" "${floor% *}" "${floor#* }"
echo "minimum phase:"
line "  mastereq phase=minimum" "$t_min" "$t_min"
line "  equalizer-nbands (8 bands)" "$t_nbands" "$t_min"
line "  LSP Parametric Equalizer x16 Stereo, IIR" "$t_lsp_iir" "$t_min"
echo "linear phase:"
line "  mastereq phase=linear" "$t_lin" "$t_lin"
line "  LSP Parametric Equalizer x16 Stereo, FIR" "$t_lsp_fir" "$t_lin"
