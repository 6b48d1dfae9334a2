# Shared by the side-by-side scripts in bench/peers/ (sourced, not run).
#
#   peers_init <build-dir>        checks the GStreamer plugin is built, puts it
#                                 on GST_PLUGIN_PATH, makes $work (removed on
#                                 exit); sets $build, $work and $root
#   pink_noise_wav <file> <s>     <s> seconds of stereo 48 kHz float pink noise,
#                                 two independent generators, about -15 dBFS RMS
#   best_of_three <command...>    runs it three times; prints "cpu wall" seconds
#                                 (user + system CPU) of the run with the least
#                                 CPU. CPU time stays fair on a busy machine
#                                 where wall time does not.
#   ratio <a> <b>                 a / b

peers_init() {
  build=${1:-build}
  case $build in /*) ;; *) build=$(pwd)/$build ;; esac
  if [ ! -f "$build/elements/libgstlacquer.so" ]; then
    echo "no $build/elements/libgstlacquer.so: build the GStreamer plugin first" >&2
    exit 1
  fi
  export GST_PLUGIN_PATH="$build/elements${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
  root=$(cd "$(dirname "$0")/../.." && pwd)
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT INT TERM
}

pink_noise_wav() {
  buffers=$(($2 * 48000 / 1024 + 1))
  gst-launch-1.0 -q audiointerleave name=mix ! audioconvert ! \
    audio/x-raw,format=F32LE,rate=48000,channels=2 ! wavenc ! filesink location="$1" \
    audiotestsrc wave=pink-noise volume=0.3 num-buffers=$buffers samplesperbuffer=1024 ! \
      audio/x-raw,format=F32LE,rate=48000,channels=1 ! mix. \
    audiotestsrc wave=pink-noise volume=0.3 num-buffers=$buffers samplesperbuffer=1024 ! \
      audio/x-raw,format=F32LE,rate=48000,channels=1 ! mix.
}

best_of_three() {
  best_cpu="" best_wall=""
  for _ in 1 2 3; do
    if ! /usr/bin/time -f "%U %S %e" -o "$work/time" "$@" > /dev/null 2> "$work/err"; then
      echo "failed: $*" >&2
      cat "$work/err" >&2
      exit 1
    fi
    read -r user sys wall < "$work/time"
    cpu=$(echo "$user + $sys" | bc -l)
    if [ -z "$best_cpu" ] || [ "$(echo "$cpu < $best_cpu" | bc -l)" = 1 ]; then
      best_cpu=$cpu best_wall=$wall
    fi
  done
  echo "$best_cpu $best_wall"
}

ratio() { echo "$1 / $2" | bc -l; }
