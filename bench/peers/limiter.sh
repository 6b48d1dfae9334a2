#!/bin/sh
# Side by side: masterlimiter against the true-peak limiters installed from
# Debian, on the same input, in one run:
#   - LSP Limiter Stereo, oversampling "Full x4(3L)" (GStreamer lv2 element)
#   - x42 dpl with true peak on (GStreamer lv2 element; only the mono plugin
#     is exposed, so one per channel, unlinked). Through GStreamer's lv2
#     wrapper its output has been seen to equal its input (no gain, no
#     limiting): the accuracy lines show whether that is still so.
#   - ffmpeg -af alimiter (no GStreamer element: the ffmpeg command itself)
# Every tool aims at a -1 dBTP ceiling with the same input gain.
#
#   bench/peers/limiter.sh [build-dir]     (default: build)
#
# Speed: 60 s of stereo 48 kHz programme (the demo mix twice, +6 dB into the
# limiter). One line per tool: CPU seconds (user+sys, best of three; the
# machine may be shared, CPU time is fairer than wall time), wall seconds, and
# the ratio of CPU time to ours, both as measured and with the decode-only
# floor taken off every line.
#
# Accuracy: the torture set of tests/dsp/test_limiter.cpp (2 s each, faded in
# and out, 100 ms of silence after), through every tool; the output's true
# peak is read with the independent 16x meter of tests/common/true_peak16.hpp.
# One line per tool: the worst true-peak and sample-peak overshoot of -1 dB.
set -eu

. "$(dirname "$0")/lib/peers.sh"
peers_init "${1:-build}"

# ------------------------------------------------------------------ the tool
# tool gen <dir>: writes the torture set as float WAVs, prints "<file> <drive dB>"
# tool tp <file.wav>: prints "<true peak dBTP> <sample peak dBFS>"
cat > "$work/tool.cpp" <<'EOF'
#include "true_peak16.hpp"
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
using namespace lacquer::test;
static void write_wav(const std::string& path, const Planar& a, int rate) {
  std::ofstream f(path, std::ios::binary);
  const unsigned ch = unsigned(a.size()), n = unsigned(a[0].size()), bytes = n * ch * 4;
  auto u32 = [&](unsigned v) { f.write(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [&](unsigned v) { unsigned short s = (unsigned short)v; f.write(reinterpret_cast<const char*>(&s), 2); };
  f.write("RIFF", 4); u32(36 + bytes); f.write("WAVEfmt ", 8); u32(16); u16(3); u16(ch);
  u32(unsigned(rate)); u32(unsigned(rate) * ch * 4); u16(ch * 4); u16(32); f.write("data", 4); u32(bytes);
  for (unsigned i = 0; i < n; ++i) for (unsigned c = 0; c < ch; ++c) f.write(reinterpret_cast<const char*>(&a[c][i]), 4);
}
static Planar read_wav(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::vector<unsigned char> b{std::istreambuf_iterator<char>(f), {}};
  auto u16 = [&](size_t at) { return unsigned(b[at]) | unsigned(b[at + 1]) << 8; };
  auto u32 = [&](size_t at) { return u16(at) | u16(at + 2) << 16; };
  unsigned ch = 0, bits = 0, fmt = 0;
  for (size_t at = 12; at + 8 <= b.size(); at += 8 + u32(at + 4) + (u32(at + 4) & 1u)) {
    std::string id(b.begin() + long(at), b.begin() + long(at) + 4);
    unsigned size = u32(at + 4);
    if (id == "fmt ") { fmt = u16(at + 8); ch = u16(at + 10); bits = u16(at + 22); if (fmt == 0xFFFE) fmt = u16(at + 32); }
    if (id == "data") {
      if (size == 0 || size == 0xFFFFFFFFu || at + 8 + size > b.size()) size = unsigned(b.size() - at - 8);
      size_t n = size / (ch * bits / 8);
      Planar a(ch, std::vector<float>(n));
      for (size_t i = 0; i < n; ++i) for (unsigned c = 0; c < ch; ++c) {
        const unsigned char* p = b.data() + at + 8 + (i * ch + c) * (bits / 8);
        if (fmt == 3 && bits == 32) { float v; std::memcpy(&v, p, 4); a[c][i] = v; }
        else if (bits == 16) a[c][i] = float(short(p[0] | p[1] << 8)) / 32768.0f;
        else if (bits == 32) { int v; std::memcpy(&v, p, 4); a[c][i] = float(v / 2147483648.0); }
      }
      return a;
    }
  }
  return {};
}
static std::vector<float> square(double rate, double f, size_t n, double ph) {
  std::vector<float> o(n); for (size_t i = 0; i < n; ++i) o[i] = std::fmod(f * double(i) / rate + ph, 1.0) < 0.5 ? 1.f : -1.f; return o;
}
static std::vector<float> drums(double rate, size_t n, unsigned seed) {
  std::vector<float> o(n, 0.f); std::mt19937 rng(seed); std::normal_distribution<double> g(0, 1);
  size_t beat = size_t(rate * 0.25);
  for (size_t s = 0; s < n; s += beat) { bool snare = (s / beat) % 2; double ph = 0;
    for (size_t i = 0; s + i < n && i < beat; ++i) { double t = double(i) / rate, v;
      if (snare) v = 2.5 * std::exp(-t / 0.05) * (g(rng) + std::sin(2 * M_PI * 190 * t));
      else { ph += 2 * M_PI * (45 + 110 * std::exp(-t / 0.03)) / rate; v = 4 * std::exp(-t / 0.12) * std::sin(ph) + 0.8 * std::exp(-t / 0.004) * g(rng); }
      o[s + i] = float(std::clamp(v, -1.0, 1.0)); } }
  return o;
}
static std::vector<float> sweep(double rate, double f0, double f1, size_t n) {
  std::vector<float> o(n); double d = double(n) / rate, k = std::log(f1 / f0);
  for (size_t i = 0; i < n; ++i) { double t = double(i) / rate; o[i] = float(std::sin(2 * M_PI * f0 * d / k * (std::exp(t / d * k) - 1))); }
  return o;
}
int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "tp") {
    Planar a = read_wav(argv[2]);
    if (a.empty()) { std::printf("nan nan\n"); return 1; }
    double sp = 0; for (auto& c : a) sp = std::max(sp, peak(c));
    std::printf("%.4f %.4f\n", TruePeak16().peak_db(a), linear_to_db(sp));
    return 0;
  }
  const std::string dir = argv[2]; const double rate = 48000; const size_t n = 96000;
  struct Case { const char* name; Planar a; double drive; };
  std::vector<Case> set;
  set.push_back({"square-100", {square(rate, 100, n, 0), square(rate, 100, n, 0.25)}, 0});
  set.push_back({"square-1k", {square(rate, 1000, n, 0), square(rate, 1000, n, 0.1)}, 6});
  set.push_back({"square-5k5", {square(rate, 5512.5, n, 0), square(rate, 5512.5, n, 0.3)}, 0});
  set.push_back({"fs4-45deg", {sine(rate, 12000, 3.0103, n, M_PI / 4), sine(rate, 12000, 3.0103, n, M_PI / 4 + 0.3)}, 0});
  set.push_back({"sine-0.45fs", {sine(rate, 21600, 0, n, 0.7), sine(rate, 21600, 0, n, 1.7)}, 0});
  set.push_back({"sine-0.43fs", {sine(rate, 20640, -6, n, 0.4), sine(rate, 20640, -6, n, 2.2)}, 12});
  set.push_back({"drums", {drums(rate, n, 1), drums(rate, n, 2)}, 6});
  set.push_back({"noise", {white_noise(n, -12, 3), white_noise(n, -12, 4)}, 12});
  set.push_back({"sweep", {sweep(rate, 20, 20000, n), sweep(rate, 20, 20000, n)}, 0});
  for (auto& c : set) {
    const size_t fl = size_t(rate * 0.005);
    for (auto& ch : c.a) {
      for (size_t i = 0; i < fl; ++i) { float w = float(0.5 - 0.5 * std::cos(M_PI * double(i) / double(fl))); ch[i] *= w; ch[n - 1 - i] *= w; }
      ch.resize(n + size_t(rate * 0.1), 0.f);
    }
    write_wav(dir + "/" + c.name + ".wav", c.a, int(rate));
    std::printf("%s %g\n", c.name, c.drive);
  }
}
EOF
g++ -std=c++20 -O2 -I"$root/tests/common" "$work/tool.cpp" -o "$work/tool"

db_to_lin() { echo "e(l(10) * $1 / 20)" | bc -l; }

# ------------------------------------------------------------------ speed
prog="$work/programme.wav"
sox "$root/data/demo-mix.flac" "$root/data/demo-mix.flac" -e floating-point -b 32 "$prog"

cpu_run() {  # cpu_run <shell command>: best "cpu wall" of three runs
  best_of_three sh -c "$1"
}

gst() {  # gst <input> <output or ""> <element chain>: prints the gst-launch command
  sink="fakesink sync=false"
  [ -n "$2" ] && sink="audioconvert ! audio/x-raw,format=F32LE ! wavenc ! filesink location=$2"
  echo "gst-launch-1.0 -q filesrc location=$1 ! wavparse ! audioconvert ! \
    audio/x-raw,format=F32LE,layout=interleaved,channels=2 ! $3 ! $sink"
}

ceiling_lin=$(db_to_lin -1)
ours() { echo "masterlimiter ceiling=-1 drive=$1 lookahead=1.5 true-peak=true post-messages=false"; }
# LSP keeps its own lookahead and attack (5 ms each): an attack longer than
# the lookahead would let peaks through by design.
lsp() { echo "lsp-plug-in-plugins-lv2-limiter-stereo enabled=true ovs=16 th=$ceiling_lin g-in=$(db_to_lin "$1") boost=false"; }
dpl() {
  one="gareus-org-oss-lv2-dpl-mono enable=true truepeak=true threshold=-1 gain=$1"
  echo "deinterleave name=d interleave name=i d.src_0 ! queue ! $one ! i.sink_0 d.src_1 ! queue ! $one ! i.sink_1 i."
}
alimiter() {  # alimiter <input> <output or ""> <drive dB>: prints the ffmpeg command
  out="-f null -"
  [ -n "$2" ] && out="-c:a pcm_f32le $2"
  echo "ffmpeg -nostdin -v error -y -i $1 -af alimiter=level_in=$(db_to_lin "$3"):limit=$ceiling_lin:level=false:latency=true $out"
}

floor=$(cpu_run "$(gst "$prog" "" identity)")
t_ours=$(cpu_run "$(gst "$prog" "" "$(ours 6)")")
t_lsp=$(cpu_run "$(gst "$prog" "" "$(lsp 6)")")
t_dpl=$(cpu_run "$(gst "$prog" "" "$(dpl 6)")")
ff_floor=$(cpu_run "ffmpeg -nostdin -v error -i $prog -f null -")
t_ff=$(cpu_run "$(alimiter "$prog" "" 6)")

set -- $floor; floor_cpu=$1
set -- $ff_floor; ff_floor_cpu=$1
set -- $t_ours; ours_cpu=$1; ours_net=$(echo "$1 - $floor_cpu" | bc -l)
speed_line() {  # speed_line <name> "<cpu wall>" <floor cpu>
  set -- "$1" $2 "$3"
  net=$(echo "$2 - $4" | bc -l)
  printf '%-40s cpu %6.2f s  wall %6.2f s  x%5.2f of ours  (less decode floor: x%5.2f)\n' \
    "$1" "$2" "$3" "$(echo "$2 / $ours_cpu" | bc -l)" "$(echo "$net / $ours_net" | bc -l)"
}
echo "speed: 60 s stereo 48 kHz programme, +6 dB into a -1 dBTP ceiling"
speed_line "gst decode only (floor)" "$floor" "$floor_cpu"
speed_line "masterlimiter (true peak, 4x)" "$t_ours" "$floor_cpu"
speed_line "LSP Limiter Stereo, Full x4(3L)" "$t_lsp" "$floor_cpu"
speed_line "x42 dpl (true peak), one per channel" "$t_dpl" "$floor_cpu"
speed_line "ffmpeg decode only (floor)" "$ff_floor" "$ff_floor_cpu"
speed_line "ffmpeg -af alimiter" "$t_ff" "$ff_floor_cpu"

# ------------------------------------------------------------------ accuracy
mkdir "$work/torture"
"$work/tool" gen "$work/torture" > "$work/cases"
echo
echo "accuracy: torture set, ceiling -1 dBTP; worst overshoot (16x true peak, sample peak) and its case"
for tool in ours lsp dpl alimiter; do
  worst_tp=-100 worst_sp=-100 worst_case=""
  while read -r name drive; do
    in="$work/torture/$name.wav"
    out="$work/torture/$name.$tool.wav"
    case $tool in
      alimiter) command=$(alimiter "$in" "$out" "$drive") ;;
      *) command=$(gst "$in" "$out" "$($tool "$drive")") ;;
    esac
    sh -c "$command" > /dev/null
    set -- $("$work/tool" tp "$out")
    tp=$(echo "$1 + 1" | bc -l)
    sp=$(echo "$2 + 1" | bc -l)
    if [ "$(echo "$tp > $worst_tp" | bc -l)" = 1 ]; then worst_tp=$tp; worst_case=$name; fi
    if [ "$(echo "$sp > $worst_sp" | bc -l)" = 1 ]; then worst_sp=$sp; fi
  done < "$work/cases"
  printf '%-10s true peak %+7.3f dB (%s)   sample peak %+7.3f dB\n' "$tool" "$worst_tp" "$worst_case" "$worst_sp"
done
