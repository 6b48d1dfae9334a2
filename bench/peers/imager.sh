#!/bin/sh
# Side-by-side speed of masterimager and the stereo-width peers installed from
# Debian, all through gst-launch-1.0 on the same input: 60 s of stereo 48 kHz
# pink noise (decorrelated channels), rendered once to a float WAV.
#
#   bench/peers/imager.sh [build-dir]     (default: build)
#
# Prints one line per tool: wall seconds for the whole file (best of three
# runs) and the ratio to
# masterimager (above 1: slower than ours). "decode only" is the pipeline with
# no processing element, the floor every line includes.
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

# Two independent pink-noise generators, interleaved: a wide, uncorrelated
# programme that keeps every band of every tool busy.
gst-launch-1.0 -q audiointerleave name=mix ! audioconvert ! \
  audio/x-raw,format=F32LE,rate=48000,channels=2 ! wavenc ! filesink location="$input" \
  audiotestsrc wave=pink-noise volume=0.3 num-buffers=2813 samplesperbuffer=1024 ! \
    audio/x-raw,format=F32LE,rate=48000,channels=1 ! mix. \
  audiotestsrc wave=pink-noise volume=0.3 num-buffers=2813 samplesperbuffer=1024 ! \
    audio/x-raw,format=F32LE,rate=48000,channels=1 ! mix.

run() {  # run <element description>: prints the best wall seconds of three runs
  best=""
  for _ in 1 2 3; do
    start=$(date +%s.%N)
    # shellcheck disable=SC2086
    gst-launch-1.0 -q filesrc location="$input" ! wavparse ! audioconvert ! \
      audio/x-raw,format=F32LE,layout=interleaved ! $1 ! audioconvert ! fakesink sync=false
    end=$(date +%s.%N)
    took=$(echo "$end - $start" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$took < $best" | bc -l)" = 1 ]; then best=$took; fi
  done
  echo "$best"
}

ours="masterimager width=120 multiband=true band1::width=60 band2::width=110 band3::width=150 bass-mono=true bass-mono-freq=120 post-messages=false"
calf_tools="calf-sourceforge-net-plugins-StereoTools stereo-base=0.2"
calf_bands="calf-sourceforge-net-plugins-MultibandEnhancer freq0=120 freq1=250 freq2=4000 base0=-1 base1=-0.4 base2=0.1 base3=0.5"

floor=$(run identity)
t_ours=$(run "$ours")
t_tools=$(run "$calf_tools")
t_bands=$(run "$calf_bands")

line() {  # line <name> <seconds>
  printf '%-58s %7.2f s   x%.2f of ours\n' "$1" "$2" "$(echo "$2 / $t_ours" | bc -l)"
}
echo "60 s stereo 48 kHz float, wall time per run (gst-launch-1.0, one process each)"
line "decode only (identity)" "$floor"
line "masterimager, 3-band width + bass mono 120 Hz" "$t_ours"
line "Calf Stereo Tools (LV2), width only" "$t_tools"
line "Calf Multiband Enhancer (LV2), 4-band width, LR8" "$t_bands"
