// make-demo-mix.cpp - synthesises the Lacquer demo mix.
//
// A 30 second, 48 kHz stereo pop/electronic sketch (A minor, Am-F-C-G at
// 120 BPM) built from simple synthesis: kick, snare, hi-hats, bass, pad,
// plucked lead, plus a stereo reverb and a ping-pong delay. The output is
// deterministic (fixed-seed PRNG) and peak-normalised to about -4.5 dBFS.
//
// Build:  g++ -std=c++20 -O2 -Wall -Wextra -Wpedantic make-demo-mix.cpp -o make-demo-mix
// Run:    ./make-demo-mix demo-mix.wav      (writes 24-bit PCM WAV)
//
// Standard library only.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <numbers>
#include <string>
#include <vector>

namespace {

// ---------------------------------------------------------------------------
// Global settings
// ---------------------------------------------------------------------------

constexpr int kSampleRate = 48000;
constexpr double kSr = kSampleRate;
constexpr double kDurationSec = 30.0;
constexpr std::size_t kNumFrames = static_cast<std::size_t>(kSr * kDurationSec);
constexpr double kBpm = 120.0;
constexpr double kBeatSec = 60.0 / kBpm;
constexpr double kEighthSec = kBeatSec / 2.0;
constexpr double kSixteenthSec = kBeatSec / 4.0;
constexpr double kBarSec = 4.0 * kBeatSec;
constexpr double kTargetPeakDbfs = -4.5;
constexpr double kFadeOutSec = 1.5;
constexpr std::uint64_t kSeed = 0x1ACC0E12D3E0ULL;
constexpr double kPi = std::numbers::pi;
constexpr double kTwoPi = 2.0 * kPi;

// Song structure, in bars (one bar = 2 s, 15 bars in total).
constexpr int kTotalBars = 15;
constexpr int kVerseBar = 2;   // 4 s:  kick, hats, bass join the pad
constexpr int kSnareBar = 4;   // 8 s:  snare backbeat
constexpr int kFullBar = 8;    // 16 s: lead melody, 16th hats, brighter pad
constexpr int kEndBar = 14;    // 28 s: final held chord, ring-out

// Mix levels (dB) of the instrument buses and effect returns. Effect sends
// are taken after these levels (post-fader).
constexpr double kDrumsDb = 0.0;
constexpr double kBassDb = 4.0;
constexpr double kPadDb = -18.0;
constexpr double kLeadDb = 10.0;
constexpr double kReverbReturnDb = -6.0;
constexpr double kDelayReturnDb = 3.0;

enum class Section { Intro, Verse, Full, Ending };

Section sectionOf(int bar) {
    if (bar < kVerseBar) return Section::Intro;
    if (bar < kFullBar) return Section::Verse;
    if (bar < kEndBar) return Section::Full;
    return Section::Ending;
}

// Chord progression: Am F C G, one chord per bar.
struct Chord {
    int bassRoot;                 // MIDI note for the bass line
    std::array<int, 3> padNotes;  // close voicing for the pad
};

constexpr std::array<Chord, 4> kProgression{{
    {33, {57, 60, 64}},  // Am: A1 | A3 C4 E4
    {29, {57, 60, 65}},  // F:  F1 | A3 C4 F4
    {36, {55, 60, 64}},  // C:  C2 | G3 C4 E4
    {31, {55, 59, 62}},  // G:  G1 | G3 B3 D4
}};

const Chord& chordOf(int bar) {
    return kProgression[static_cast<std::size_t>(bar) % kProgression.size()];
}

// Lead melody: one bar of eighth notes per chord, -1 = rest.
constexpr int kRest = -1;
constexpr std::array<std::array<int, 8>, 4> kMelody{{
    {76, kRest, 72, 74, 76, kRest, 79, 76},
    {77, kRest, 76, 72, 69, kRest, 72, kRest},
    {72, kRest, 76, 79, 84, kRest, 79, 76},
    {74, kRest, 71, 74, 79, kRest, 74, kRest},
}};

// Bass pattern: semitone offsets from the chord root per eighth note.
constexpr std::array<int, 8> kBassPattern{0, 0, 12, 0, 0, 12, 0, 7};

double midiToHz(double note) { return 440.0 * std::pow(2.0, (note - 69.0) / 12.0); }
double dbToGain(double db) { return std::pow(10.0, db / 20.0); }
std::size_t toFrame(double seconds) { return static_cast<std::size_t>(std::max(0.0, seconds) * kSr); }

// ---------------------------------------------------------------------------
// Deterministic PRNG (SplitMix64), independent of the standard library.
// ---------------------------------------------------------------------------

class Rng {
public:
    explicit Rng(std::uint64_t seed) : state_(seed) {}

    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    // Uniform in [0, 1).
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    // Uniform in [-1, 1).
    double bipolar() { return 2.0 * uniform() - 1.0; }
    double range(double lo, double hi) { return lo + (hi - lo) * uniform(); }

private:
    std::uint64_t state_;
};

// ---------------------------------------------------------------------------
// Buffers and mixing helpers
// ---------------------------------------------------------------------------

using Mono = std::vector<double>;

struct Stereo {
    Mono left = Mono(kNumFrames, 0.0);
    Mono right = Mono(kNumFrames, 0.0);
};

// Constant-power pan, pan in [-1 (left), +1 (right)].
void addMono(Stereo& bus, const Mono& sig, std::size_t start, double gain, double pan) {
    const double angle = (pan + 1.0) * kPi / 4.0;
    const double gl = gain * std::cos(angle);
    const double gr = gain * std::sin(angle);
    for (std::size_t i = 0; i < sig.size() && start + i < kNumFrames; ++i) {
        bus.left[start + i] += gl * sig[i];
        bus.right[start + i] += gr * sig[i];
    }
}

void addStereo(Stereo& bus, const Mono& l, const Mono& r, std::size_t start, double gain) {
    for (std::size_t i = 0; i < l.size() && start + i < kNumFrames; ++i) {
        bus.left[start + i] += gain * l[i];
        bus.right[start + i] += gain * r[i];
    }
}

void mixInto(Stereo& dst, const Stereo& src, double gain) {
    for (std::size_t i = 0; i < kNumFrames; ++i) {
        dst.left[i] += gain * src.left[i];
        dst.right[i] += gain * src.right[i];
    }
}

// ---------------------------------------------------------------------------
// Filters
// ---------------------------------------------------------------------------

// RBJ biquad (low-pass / high-pass / band-pass), transposed direct form II.
class Biquad {
public:
    enum class Type { LowPass, HighPass, BandPass };

    Biquad(Type type, double freq, double q) {
        const double w0 = kTwoPi * freq / kSr;
        const double alpha = std::sin(w0) / (2.0 * q);
        const double cosw = std::cos(w0);
        double b0 = 0, b1 = 0, b2 = 0;
        switch (type) {
            case Type::LowPass:
                b0 = (1.0 - cosw) / 2.0; b1 = 1.0 - cosw; b2 = b0; break;
            case Type::HighPass:
                b0 = (1.0 + cosw) / 2.0; b1 = -(1.0 + cosw); b2 = b0; break;
            case Type::BandPass:
                b0 = alpha; b1 = 0.0; b2 = -alpha; break;
        }
        const double a0 = 1.0 + alpha;
        b0_ = b0 / a0; b1_ = b1 / a0; b2_ = b2 / a0;
        a1_ = -2.0 * cosw / a0; a2_ = (1.0 - alpha) / a0;
    }

    double process(double x) {
        const double y = b0_ * x + z1_;
        z1_ = b1_ * x - a1_ * y + z2_;
        z2_ = b2_ * x - a2_ * y;
        return y;
    }

private:
    double b0_ = 0, b1_ = 0, b2_ = 0, a1_ = 0, a2_ = 0;
    double z1_ = 0, z2_ = 0;
};

// Zero-delay-feedback state-variable low-pass; safe to modulate per sample.
class SvfLowPass {
public:
    explicit SvfLowPass(double resonanceQ) : k_(1.0 / resonanceQ) {}

    double process(double x, double cutoff) {
        const double g = std::tan(kPi * std::min(cutoff, 0.45 * kSr) / kSr);
        const double a1 = 1.0 / (1.0 + g * (g + k_));
        const double v3 = x - ic2_;
        const double v1 = a1 * ic1_ + g * a1 * v3;
        const double v2 = ic2_ + g * v1;
        ic1_ = 2.0 * v1 - ic1_;
        ic2_ = 2.0 * v2 - ic2_;
        return v2;
    }

private:
    double k_;
    double ic1_ = 0, ic2_ = 0;
};

// ---------------------------------------------------------------------------
// Oscillators
// ---------------------------------------------------------------------------

// PolyBLEP correction for band-limited discontinuities.
double polyBlep(double t, double dt) {
    if (t < dt) {
        t /= dt;
        return t + t - t * t - 1.0;
    }
    if (t > 1.0 - dt) {
        t = (t - 1.0) / dt;
        return t * t + t + t + 1.0;
    }
    return 0.0;
}

// Band-limited sawtooth.
class Saw {
public:
    Saw(double freq, double phase) : dt_(freq / kSr), phase_(phase) {}

    double next() {
        const double y = 2.0 * phase_ - 1.0 - polyBlep(phase_, dt_);
        phase_ += dt_;
        if (phase_ >= 1.0) phase_ -= 1.0;
        return y;
    }

private:
    double dt_;
    double phase_;
};

// Attack/release envelope with a held sustain (linear attack, exp release).
double arEnvelope(double t, double attack, double gate, double release) {
    if (t < 0.0) return 0.0;
    if (t < attack) return t / attack;
    if (t < gate) return 1.0;
    return std::exp(-(t - gate) / release);
}

// ---------------------------------------------------------------------------
// Instruments
// ---------------------------------------------------------------------------

// Kick: sine with a fast exponential pitch sweep (155 -> 45 Hz), exponential
// amplitude decay and a short filtered-noise click for the beater.
Mono renderKick(Rng& rng) {
    constexpr double kLength = 0.5, kBaseHz = 45.0, kSweepHz = 110.0;
    constexpr double kSweepTau = 0.03, kAmpTau = 0.16, kClickTau = 0.002;
    Mono out(toFrame(kLength));
    Biquad clickFilter(Biquad::Type::BandPass, 3500.0, 0.8);
    double phase = 0.0;
    for (std::size_t i = 0; i < out.size(); ++i) {
        const double t = static_cast<double>(i) / kSr;
        const double freq = kBaseHz + kSweepHz * std::exp(-t / kSweepTau);
        phase += kTwoPi * freq / kSr;
        const double body = std::sin(phase) * std::exp(-t / kAmpTau);
        const double click = clickFilter.process(rng.bipolar()) * std::exp(-t / kClickTau);
        const double fadeOut = std::min(1.0, (kLength - t) / 0.02);
        out[i] = (std::tanh(1.5 * body) / std::tanh(1.5) + 0.6 * click) * fadeOut;
    }
    return out;
}

// Snare: two decaying sine "shell" tones plus a band-limited noise burst.
// The noise is partly decorrelated between channels for stereo width.
void renderSnare(Rng& rng, Mono& left, Mono& right) {
    constexpr double kLength = 0.35, kToneTau = 0.05, kNoiseTau = 0.09;
    constexpr double kWidth = 0.45;  // share of per-channel independent noise
    left.assign(toFrame(kLength), 0.0);
    right.assign(toFrame(kLength), 0.0);
    Biquad hpShared(Biquad::Type::HighPass, 900.0, 0.7), lpShared(Biquad::Type::LowPass, 9000.0, 0.7);
    Biquad hpL(Biquad::Type::HighPass, 900.0, 0.7), lpL(Biquad::Type::LowPass, 9000.0, 0.7);
    Biquad hpR(Biquad::Type::HighPass, 900.0, 0.7), lpR(Biquad::Type::LowPass, 9000.0, 0.7);
    for (std::size_t i = 0; i < left.size(); ++i) {
        const double t = static_cast<double>(i) / kSr;
        const double tone = (0.7 * std::sin(kTwoPi * 185.0 * t) + 0.3 * std::sin(kTwoPi * 330.0 * t)) *
                            std::exp(-t / kToneTau);
        const double noiseEnv = std::exp(-t / kNoiseTau);
        const double shared = lpShared.process(hpShared.process(rng.bipolar()));
        const double nl = lpL.process(hpL.process(rng.bipolar()));
        const double nr = lpR.process(hpR.process(rng.bipolar()));
        left[i] = 0.8 * tone + noiseEnv * ((1.0 - kWidth) * shared + kWidth * nl);
        right[i] = 0.8 * tone + noiseEnv * ((1.0 - kWidth) * shared + kWidth * nr);
    }
}

// Closed hi-hat: white noise through a steep high-pass, very short decay.
Mono renderHat(Rng& rng, double decayTau) {
    constexpr double kLength = 0.12;
    Mono out(toFrame(kLength));
    Biquad hp1(Biquad::Type::HighPass, 7000.0, 0.7), hp2(Biquad::Type::HighPass, 7000.0, 0.7);
    for (std::size_t i = 0; i < out.size(); ++i) {
        const double t = static_cast<double>(i) / kSr;
        out[i] = hp2.process(hp1.process(rng.bipolar())) * std::exp(-t / decayTau);
    }
    return out;
}

// Bass: band-limited saw plus a sine sub, through a resonant low-pass whose
// cutoff follows a per-note decay envelope (a classic "pluck" bass).
Mono renderBassNote(double note, double gateSec, double brightness) {
    constexpr double kAttack = 0.004, kRelease = 0.03, kFilterTau = 0.12;
    const double hz = midiToHz(note);
    Mono out(toFrame(gateSec + 6.0 * kRelease));
    Saw saw(hz, 0.0);
    SvfLowPass filter(1.4);
    for (std::size_t i = 0; i < out.size(); ++i) {
        const double t = static_cast<double>(i) / kSr;
        const double amp = arEnvelope(t, kAttack, gateSec, kRelease);
        const double cutoff = 120.0 + brightness * 1400.0 * std::exp(-t / kFilterTau);
        const double sub = std::sin(kTwoPi * hz * t);
        out[i] = amp * (filter.process(saw.next(), cutoff) + 0.5 * sub);
    }
    return out;
}

// Pad: three detuned saws per chord note, voices spread across the stereo
// field, low-passed and with slow attack/release.
void renderPadChord(Rng& rng, const Chord& chord, double lengthSec, double cutoff,
                    Mono& left, Mono& right) {
    constexpr double kAttack = 0.35, kRelease = 0.5;
    constexpr std::array<double, 3> kDetuneCents{-9.0, 0.0, 8.0};
    constexpr std::array<double, 3> kVoicePan{-0.8, 0.1, 0.75};
    left.assign(toFrame(lengthSec + 4.0 * kRelease), 0.0);
    right.assign(left.size(), 0.0);
    for (int note : chord.padNotes) {
        for (std::size_t v = 0; v < kDetuneCents.size(); ++v) {
            const double hz = midiToHz(note + kDetuneCents[v] / 100.0);
            Saw saw(hz, rng.uniform());
            SvfLowPass filter(0.8);
            const double angle = (kVoicePan[v] + 1.0) * kPi / 4.0;
            const double gl = std::cos(angle), gr = std::sin(angle);
            for (std::size_t i = 0; i < left.size(); ++i) {
                const double t = static_cast<double>(i) / kSr;
                const double amp = arEnvelope(t, kAttack, lengthSec, kRelease);
                const double y = amp * filter.process(saw.next(), cutoff);
                left[i] += gl * y;
                right[i] += gr * y;
            }
        }
    }
}

// Lead: Karplus-Strong plucked string. A noise-filled delay line loops
// through a two-point average (damping) and an all-pass for fine tuning.
Mono renderPluck(Rng& rng, double note, double lengthSec, double decay) {
    const double hz = midiToHz(note);
    const double loopDelay = kSr / hz - 0.5;  // the averager adds 0.5 samples
    const auto n = static_cast<std::size_t>(loopDelay);
    const double frac = loopDelay - static_cast<double>(n);
    const double apCoef = (1.0 - frac) / (1.0 + frac);

    Mono line(n);
    double smooth = 0.0;
    for (double& s : line) {  // slightly low-passed noise: softer attack
        smooth = 0.5 * smooth + 0.5 * rng.bipolar();
        s = smooth;
    }
    Mono out(toFrame(lengthSec));
    std::size_t pos = 0;
    double prev = 0.0, apIn = 0.0, apOut = 0.0;
    for (std::size_t i = 0; i < out.size(); ++i) {
        const double cur = line[pos];
        const double averaged = decay * 0.5 * (cur + prev);
        prev = cur;
        apOut = apCoef * averaged + apIn - apCoef * apOut;  // fractional delay
        apIn = averaged;
        line[pos] = apOut;
        pos = (pos + 1) % n;
        out[i] = cur;
    }
    const std::size_t fade = std::min(out.size(), toFrame(0.05));  // avoid a cut-off click
    for (std::size_t i = 0; i < fade; ++i) out[out.size() - 1 - i] *= static_cast<double>(i) / fade;
    return out;
}

// ---------------------------------------------------------------------------
// Effects
// ---------------------------------------------------------------------------

// Feedback comb with one-pole damping in the loop (Freeverb style).
class DampedComb {
public:
    DampedComb(std::size_t length, double feedback, double damp)
        : buf_(length, 0.0), feedback_(feedback), damp_(damp) {}

    double process(double x) {
        const double y = buf_[pos_];
        store_ = y * (1.0 - damp_) + store_ * damp_;
        buf_[pos_] = x + store_ * feedback_;
        pos_ = (pos_ + 1) % buf_.size();
        return y;
    }

private:
    Mono buf_;
    double feedback_, damp_;
    double store_ = 0.0;
    std::size_t pos_ = 0;
};

class Allpass {
public:
    Allpass(std::size_t length, double gain) : buf_(length, 0.0), gain_(gain) {}

    double process(double x) {
        const double delayed = buf_[pos_];
        buf_[pos_] = x + delayed * gain_;
        pos_ = (pos_ + 1) % buf_.size();
        return delayed - x;
    }

private:
    Mono buf_;
    double gain_;
    std::size_t pos_ = 0;
};

// Schroeder/Freeverb-style stereo reverb: parallel damped combs followed by
// series all-passes; the right channel uses slightly longer delays.
Stereo reverb(const Stereo& send) {
    constexpr std::array<int, 8> kCombTunings{1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617};
    constexpr std::array<int, 4> kAllpassTunings{556, 441, 341, 225};
    constexpr int kStereoSpread = 23;
    constexpr double kTuningScale = kSr / 44100.0;
    constexpr double kFeedback = 0.82, kDamp = 0.3, kAllpassGain = 0.5, kPreDelaySec = 0.02;

    auto scaled = [&](int tuning, int spread) {
        return static_cast<std::size_t>((tuning + spread) * kTuningScale);
    };
    Stereo wet;
    for (int ch = 0; ch < 2; ++ch) {
        const int spread = ch == 0 ? 0 : kStereoSpread;
        std::vector<DampedComb> combs;
        std::vector<Allpass> allpasses;
        for (int t : kCombTunings) combs.emplace_back(scaled(t, spread), kFeedback, kDamp);
        for (int t : kAllpassTunings) allpasses.emplace_back(scaled(t, spread), kAllpassGain);
        Mono& out = ch == 0 ? wet.left : wet.right;
        const std::size_t preDelay = toFrame(kPreDelaySec);
        for (std::size_t i = preDelay; i < kNumFrames; ++i) {
            const double x = 0.5 * (send.left[i - preDelay] + send.right[i - preDelay]);
            double y = 0.0;
            for (auto& comb : combs) y += comb.process(x);
            for (auto& ap : allpasses) y = ap.process(y);
            out[i] = y / static_cast<double>(combs.size());
        }
    }
    return wet;
}

// Ping-pong delay (dotted eighth), with the repeats darkened a little.
Stereo pingPongDelay(const Stereo& send) {
    constexpr double kDelaySec = 3.0 * kSixteenthSec;
    constexpr double kFeedback = 0.4, kDampHz = 3000.0;
    const std::size_t d = toFrame(kDelaySec);
    Stereo wet;
    Mono lineL(d, 0.0), lineR(d, 0.0);
    Biquad lpL(Biquad::Type::LowPass, kDampHz, 0.7), lpR(Biquad::Type::LowPass, kDampHz, 0.7);
    std::size_t pos = 0;
    for (std::size_t i = 0; i < kNumFrames; ++i) {
        const double outL = lineL[pos], outR = lineR[pos];
        const double in = 0.5 * (send.left[i] + send.right[i]);
        lineL[pos] = lpL.process(in + kFeedback * outR);  // left feeds right and
        lineR[pos] = lpR.process(kFeedback * outL);       // back: repeats bounce
        pos = (pos + 1) % d;
        wet.left[i] = outL;
        wet.right[i] = outR;
    }
    return wet;
}

// Sidechain-style ducking driven by kick onsets: keeps kick and bass from
// piling up and gives the pad its "pumping" movement.
void duckAgainstKick(Stereo& bus, const std::vector<double>& kickTimes, double depth, double tau) {
    Mono gain(kNumFrames, 1.0);
    for (double t0 : kickTimes) {
        const std::size_t start = toFrame(t0);
        for (std::size_t i = start; i < kNumFrames && i < start + toFrame(6.0 * tau); ++i) {
            const double t = static_cast<double>(i - start) / kSr;
            gain[i] = std::min(gain[i], 1.0 - depth * std::exp(-t / tau));
        }
    }
    for (std::size_t i = 0; i < kNumFrames; ++i) {
        bus.left[i] *= gain[i];
        bus.right[i] *= gain[i];
    }
}

// ---------------------------------------------------------------------------
// Arrangement
// ---------------------------------------------------------------------------

struct Buses {
    Stereo drums, bass, pad, lead;
    Stereo reverbSend, delaySend;
    std::vector<double> kickTimes;
};

double barStart(int bar) { return bar * kBarSec; }

void arrangeDrums(Rng& rng, Buses& b) {
    const double bus = dbToGain(kDrumsDb);
    const Mono kick = renderKick(rng);
    for (int bar = kVerseBar; bar < kTotalBars; ++bar) {
        const Section s = sectionOf(bar);
        const int kicksPerBar = s == Section::Ending ? 1 : 4;
        for (int beat = 0; beat < kicksPerBar; ++beat) {
            const double t = barStart(bar) + beat * kBeatSec;
            addMono(b.drums, kick, toFrame(t), bus * (s == Section::Full ? 0.8 : 0.68), 0.0);
            b.kickTimes.push_back(t);
        }
    }
    // Snare on beats 2 and 4, with a soft pickup closing each 4-bar phrase.
    constexpr double kPickupBeat = 3.75;
    for (int bar = kSnareBar; bar < kEndBar; ++bar) {
        const double level = sectionOf(bar) == Section::Full ? 0.42 : 0.34;
        std::vector<double> hits{1.0, 3.0};  // zero-based beat positions
        if (bar % 4 == 3) hits.push_back(kPickupBeat);
        for (double beat : hits) {
            Mono l, r;
            renderSnare(rng, l, r);
            const std::size_t at = toFrame(barStart(bar) + beat * kBeatSec);
            const double g = bus * (beat == kPickupBeat ? 0.5 * level : level);
            addStereo(b.drums, l, r, at, g);
            addStereo(b.reverbSend, l, r, at, 0.6 * g);
        }
    }
    // Closed hats: eighths in the verse, sixteenths in the full section,
    // a few quiet ticks late in the intro. Alternating slight pan.
    for (int bar = 1; bar < kEndBar; ++bar) {
        const Section s = sectionOf(bar);
        const int steps = s == Section::Full ? 16 : 8;
        const double stepSec = kBarSec / steps;
        for (int step = 0; step < steps; ++step) {
            if (s == Section::Intro && step % 2 == 0) continue;  // intro: off-beats only
            const bool offbeat = (steps == 16) ? (step % 4 == 2) : (step % 2 == 1);
            double level = offbeat ? 0.3 : 0.17;
            if (s == Section::Intro) level *= 0.5;
            level *= rng.range(0.85, 1.1);  // humanised velocity
            const double pan = (step % 2 == 0 ? -0.3 : 0.3) + 0.05 * rng.bipolar();
            const Mono hat = renderHat(rng, offbeat ? 0.035 : 0.02);
            addMono(b.drums, hat, toFrame(barStart(bar) + step * stepSec), bus * level, pan);
        }
    }
}

void arrangeBass(Buses& b) {
    const double bus = dbToGain(kBassDb);
    for (int bar = kVerseBar; bar < kTotalBars; ++bar) {
        const Chord& chord = chordOf(bar);
        const Section s = sectionOf(bar);
        if (s == Section::Ending) {  // final held root
            addMono(b.bass, renderBassNote(chord.bassRoot, 1.6, 0.5), toFrame(barStart(bar)), 0.5 * bus, 0.0);
            continue;
        }
        const double brightness = s == Section::Full ? 1.0 : 0.6;
        for (std::size_t step = 0; step < kBassPattern.size(); ++step) {
            const double note = chord.bassRoot + kBassPattern[step];
            const Mono n = renderBassNote(note, 0.8 * kEighthSec, brightness);
            addMono(b.bass, n, toFrame(barStart(bar) + static_cast<double>(step) * kEighthSec), 0.5 * bus, 0.0);
        }
    }
    duckAgainstKick(b.bass, b.kickTimes, 0.6, 0.07);
}

void arrangePad(Rng& rng, Buses& b) {
    const double bus = dbToGain(kPadDb);
    for (int bar = 0; bar < kTotalBars; ++bar) {
        const Section s = sectionOf(bar);
        const double cutoff = s == Section::Intro ? 900.0 : (s == Section::Full ? 2400.0 : 1500.0);
        const double level = s == Section::Intro ? 0.6 : 1.0;
        Mono l, r;
        renderPadChord(rng, chordOf(bar), kBarSec, cutoff, l, r);
        addStereo(b.pad, l, r, toFrame(barStart(bar)), bus * level);
    }
    duckAgainstKick(b.pad, b.kickTimes, 0.5, 0.12);
    mixInto(b.reverbSend, b.pad, 0.35);
}

void arrangeLead(Rng& rng, Buses& b) {
    constexpr double kLeadPan = 0.35;
    const double bus = dbToGain(kLeadDb);
    // Intro: a sparse arpeggio of pad chord tones on beats 1 and 3.
    for (int bar = 0; bar < kVerseBar; ++bar) {
        const auto& notes = chordOf(bar).padNotes;
        for (int beat = 0; beat < 4; beat += 2) {
            const double note = notes[static_cast<std::size_t>(beat / 2 + bar) % notes.size()] + 12;
            const Mono p = renderPluck(rng, note, 1.5, 0.996);
            const std::size_t at = toFrame(barStart(bar) + beat * kBeatSec);
            const double level = 0.35 * bus;
            addMono(b.lead, p, at, level, -kLeadPan);
            addMono(b.delaySend, p, at, 0.3 * level, 0.0);
            addMono(b.reverbSend, p, at, 0.3 * level, 0.0);
        }
    }
    // Full section: the melody, with light velocity humanisation.
    for (int bar = kFullBar; bar < kEndBar; ++bar) {
        const auto& phrase = kMelody[static_cast<std::size_t>(bar) % kMelody.size()];
        for (std::size_t step = 0; step < phrase.size(); ++step) {
            if (phrase[step] == kRest) continue;
            const double vel = bus * (step % 2 == 0 ? 0.5 : 0.4) * rng.range(0.9, 1.05);
            const Mono p = renderPluck(rng, phrase[step], 0.9, 0.995);
            const std::size_t at = toFrame(barStart(bar) + static_cast<double>(step) * kEighthSec);
            addMono(b.lead, p, at, vel, kLeadPan);
            addMono(b.delaySend, p, at, 0.35 * vel, 0.0);
            addMono(b.reverbSend, p, at, 0.3 * vel, 0.0);
        }
    }
    // Ending: the tonic, let ring.
    constexpr int kEndingNote = 81;  // A5
    const Mono last = renderPluck(rng, kEndingNote, 2.0, 0.997);
    const std::size_t at = toFrame(barStart(kEndBar));
    const double level = 0.45 * bus;
    addMono(b.lead, last, at, level, kLeadPan);
    addMono(b.reverbSend, last, at, 0.3 * level, 0.0);
}

// ---------------------------------------------------------------------------
// Master bus and output
// ---------------------------------------------------------------------------

Stereo masterMix(const Buses& b) {
    const Stereo rev = reverb(b.reverbSend);
    const Stereo dly = pingPongDelay(b.delaySend);
    Stereo mix;
    mixInto(mix, b.drums, 1.0);
    mixInto(mix, b.bass, 1.0);
    mixInto(mix, b.pad, 1.0);
    mixInto(mix, b.lead, 1.0);
    mixInto(mix, rev, dbToGain(kReverbReturnDb));
    mixInto(mix, dly, dbToGain(kDelayReturnDb));

    // DC / subsonic clean-up, then a short fade-out at the very end.
    Biquad hpL(Biquad::Type::HighPass, 25.0, 0.7), hpR(Biquad::Type::HighPass, 25.0, 0.7);
    const std::size_t fadeStart = kNumFrames - toFrame(kFadeOutSec);
    for (std::size_t i = 0; i < kNumFrames; ++i) {
        double g = 1.0;
        if (i >= fadeStart) {
            const double x = static_cast<double>(kNumFrames - i) / static_cast<double>(kNumFrames - fadeStart);
            g = x * x;
        }
        mix.left[i] = g * hpL.process(mix.left[i]);
        mix.right[i] = g * hpR.process(mix.right[i]);
    }
    return mix;
}

// Scale so the sample peak sits at kTargetPeakDbfs. Returns the applied gain.
double normalisePeak(Stereo& mix) {
    double peak = 0.0;
    for (std::size_t i = 0; i < kNumFrames; ++i)
        peak = std::max({peak, std::abs(mix.left[i]), std::abs(mix.right[i])});
    const double gain = peak > 0.0 ? dbToGain(kTargetPeakDbfs) / peak : 1.0;
    for (std::size_t i = 0; i < kNumFrames; ++i) {
        mix.left[i] *= gain;
        mix.right[i] *= gain;
    }
    return gain;
}

void putLe(std::ofstream& f, std::uint32_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) f.put(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// Writes a 24-bit PCM stereo WAV file.
bool writeWav24(const std::string& path, const Stereo& mix) {
    constexpr int kChannels = 2, kBytesPerSample = 3;
    constexpr std::uint32_t kBlockAlign = kChannels * kBytesPerSample;
    constexpr double kFullScale = 8388607.0;
    const auto dataBytes = static_cast<std::uint32_t>(kNumFrames * kBlockAlign);

    std::ofstream f(path, std::ios::binary);
    if (!f) return false;
    f.write("RIFF", 4);
    putLe(f, 36 + dataBytes, 4);
    f.write("WAVEfmt ", 8);
    putLe(f, 16, 4);                          // fmt chunk size
    putLe(f, 1, 2);                           // PCM
    putLe(f, kChannels, 2);
    putLe(f, kSampleRate, 4);
    putLe(f, kSampleRate * kBlockAlign, 4);   // byte rate
    putLe(f, kBlockAlign, 2);
    putLe(f, 8 * kBytesPerSample, 2);         // bits per sample
    f.write("data", 4);
    putLe(f, dataBytes, 4);
    for (std::size_t i = 0; i < kNumFrames; ++i) {
        for (double x : {mix.left[i], mix.right[i]}) {
            const double s = std::clamp(std::round(x * kFullScale), -kFullScale - 1.0, kFullScale);
            putLe(f, static_cast<std::uint32_t>(static_cast<std::int32_t>(s)), kBytesPerSample);
        }
    }
    return static_cast<bool>(f);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUTPUT.wav\n", argv[0]);
        return 2;
    }
    Rng rng(kSeed);
    Buses buses;
    arrangeDrums(rng, buses);  // first: the kick times drive the ducking
    arrangeBass(buses);
    arrangePad(rng, buses);
    arrangeLead(rng, buses);
    Stereo mix = masterMix(buses);
    const double gain = normalisePeak(mix);
    if (!writeWav24(argv[1], mix)) {
        std::fprintf(stderr, "error: cannot write %s\n", argv[1]);
        return 1;
    }
    std::printf("wrote %s: %zu frames, %d Hz, stereo, normalisation gain %.2f dB\n", argv[1],
                kNumFrames, kSampleRate, 20.0 * std::log10(gain));
    return 0;
}
