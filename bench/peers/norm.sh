#!/bin/sh
# Side by side on the same programme: masternorm and ffmpeg's loudnorm in its
# dynamic (one-pass) mode, the only live loudness normaliser among the peers.
#
#   bench/peers/norm.sh [build-dir] [minutes] [target]   (defaults: build, 20, -23)
#
# The programme is the one tests/dsp/test_norm.cpp builds (music-like,
# speech-like and tone items between -32 and -8 LUFS, pauses of 2-10 s at a
# -80 LUFS noise floor), written once as a stereo 48 kHz float WAV. Both tools
# aim at the target (-23 LUFS, or e.g. -14 where the ceiling is reached
# often; masternorm then may raise by up to 20 dB) with a -1 dBTP ceiling; each writes a float WAV, timed wall
# clock for the whole file. Each output is then measured by the same helper
# (libebur128 and a 16x true-peak meter) for issue 9's figures: integrated
# loudness off target, share of short-term readings within 2 LU of target
# (windows clear of pauses, after the first 10 s), true peak, the loudest
# pause, and length. Prints one line per tool: seconds and the ratio to ours
# (above 1: slower than ours), then the figures.
set -eu

minutes=${2:-20}
target=${3:--23}
. "$(dirname "$0")/lib/peers.sh"
peers_init "${1:-build}"
here=$(cd "$(dirname "$0")" && pwd)

helper="$work/norm_programme"
c++ -std=c++20 -O2 -I"$root/tests/common" "$here/norm_programme.cpp" -lebur128 -o "$helper"
input="$work/programme.wav"
"$helper" write 48000 "$minutes" "$input"

ceiling=-1

timed() {  # timed <command...>: runs it, prints wall seconds
  start=$(date +%s.%N)
  "$@"
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}

t_ours=$(timed gst-launch-1.0 -q filesrc location="$input" ! wavparse ! audioconvert ! \
  audio/x-raw,format=F32LE,layout=interleaved ! \
  masternorm target=$target ceiling=$ceiling max-gain=20 speed=radio post-messages=false ! \
  audioconvert ! audio/x-raw,format=F32LE ! wavenc ! filesink location="$work/masternorm.wav")
# linear=false: dynamic mode even where a linear pass would do (the live case).
# loudnorm works at 192 kHz; aresample brings it back to the programme's rate.
t_ffmpeg=$(timed ffmpeg -nostdin -loglevel error -y -i "$input" \
  -af "loudnorm=I=$target:TP=$ceiling:linear=false,aresample=48000" \
  -ac 2 -c:a pcm_f32le "$work/loudnorm.wav")

printf '%s min stereo 48 kHz float programme, target %s LUFS, ceiling %s dBTP\n' "$minutes" "$target" "$ceiling"
line() {  # line <name> <seconds> <latency>
  printf '%-44s %7.2f s   x%.2f of masternorm   latency %s\n' "$1" "$2" "$(echo "$2 / $t_ours" | bc -l)" "$3"
}
line "masternorm speed=radio (lookahead 1.5 s)" "$t_ours" "1.5 s + limiter"
line "ffmpeg loudnorm (dynamic mode)" "$t_ffmpeg" "3 s"
printf '%-44s ' "masternorm:"
"$helper" measure 48000 "$minutes" $target $ceiling "$work/masternorm.wav"
printf '%-44s ' "ffmpeg loudnorm:"
"$helper" measure 48000 "$minutes" $target $ceiling "$work/loudnorm.wav"
