#!/bin/sh
# Side-by-side speed of masterimager and the stereo-width peers installed from
# Debian, all through gst-launch-1.0 on the same input: 60 s of stereo 48 kHz
# pink noise (decorrelated channels), rendered once to a float WAV.
#
#   bench/peers/imager.sh [build-dir]     (default: build)
#
# Prints one line per tool: CPU (user + system) and wall seconds for the whole
# file, the best of three runs, and the CPU ratio to masterimager (above 1:
# costlier than ours). CPU time stays fair on a busy machine where wall time
# does not. "decode only" is the pipeline without a processing element, the
# floor every line includes.
set -eu
. "$(dirname "$0")/lib/peers.sh"
peers_init "${1:-build}"

# Two independent pink-noise generators: a wide, uncorrelated programme that
# keeps every band of every tool busy.
input="$work/noise.wav"
pink_noise_wav "$input" 60

run() {  # run <element description>: prints "cpu wall" seconds, the best of three runs
  # shellcheck disable=SC2086
  best_of_three gst-launch-1.0 -q filesrc location="$input" ! wavparse ! audioconvert ! \
    audio/x-raw,format=F32LE,layout=interleaved ! $1 ! audioconvert ! fakesink sync=false
}

ours="masterimager width=120 multiband=true band1::width=60 band2::width=110 band3::width=150 bass-mono=true bass-mono-freq=120 post-messages=false"
calf_tools="calf-sourceforge-net-plugins-StereoTools stereo-base=0.2"
calf_bands="calf-sourceforge-net-plugins-MultibandEnhancer freq0=120 freq1=250 freq2=4000 base0=-1 base1=-0.4 base2=0.1 base3=0.5"

floor=$(run identity)
t_ours=$(run "$ours")
t_tools=$(run "$calf_tools")
t_bands=$(run "$calf_bands")

line() {  # line <name> <"cpu wall">
  cpu=${2% *}
  wall=${2#* }
  printf '%-52s %6.2f s cpu %6.2f s wall   x%.2f of ours (cpu)\n' "$1" "$cpu" "$wall" \
    "$(ratio "$cpu" "${t_ours% *}")"
}
echo "60 s stereo 48 kHz float; user+system CPU and wall time, best of 3 (gst-launch-1.0)"
line "decode only (identity)" "$floor"
line "masterimager, 3-band width + bass mono 120 Hz" "$t_ours"
line "Calf Stereo Tools (LV2), width only" "$t_tools"
line "Calf Multiband Enhancer (LV2), 4-band width, LR8" "$t_bands"
