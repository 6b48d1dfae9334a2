// The controls every compressor in Lacquer shares — the single-band `comp`
// and each band of `mbcomp` — declared once so ranges, defaults, smoothing and
// meaning cannot drift apart between the two tables.
#pragma once

#include <lacquer/dsp/param.hpp>

#include <string_view>

namespace lacquer::dsp::compressor_params {

inline constexpr std::string_view kDetectorChoices[] = {"peak", "rms"};
inline constexpr std::string_view kModeChoices[] = {"stereo", "mid_side"};
inline constexpr float kSmoothingMs = 20.0f;

inline constexpr Param kThreshold{.symbol = "threshold", .label = "Threshold",
    .doc = "Detector level above which the gain is reduced.",
    .unit = Unit::dbfs, .min = -60, .max = 0, .def = -18, .smoothing_ms = kSmoothingMs};

inline constexpr Param kRatio{.symbol = "ratio", .label = "Ratio",
    .doc = "Input dB above the threshold per output dB; 100 means infinite (limiting).",
    .unit = Unit::ratio, .min = 1, .max = 100, .def = 2, .taper = Taper::log, .smoothing_ms = kSmoothingMs};

inline constexpr Param kKnee{.symbol = "knee", .label = "Knee",
    .doc = "Width of the soft knee centred on the threshold (quadratic, Giannoulis et al., JAES 2012); 0 is a hard knee.",
    .unit = Unit::db, .min = 0, .max = 24, .def = 6, .smoothing_ms = kSmoothingMs};

inline constexpr Param kAttack{.symbol = "attack", .label = "Attack",
    .doc = "Time for the gain reduction to cover 63 % of a step up in detector level.",
    .unit = Unit::ms, .min = 0.05f, .max = 500, .def = 10, .taper = Taper::log};

inline constexpr Param kRelease{.symbol = "release", .label = "Release",
    .doc = "Time for the gain reduction to cover 63 % of a step down in detector level (the peak "
    "detector holds a peak for its window first).",
    .unit = Unit::ms, .min = 1, .max = 5000, .def = 150, .taper = Taper::log};

inline constexpr Param kAutoRelease{.symbol = "auto_release", .label = "Auto release",
    .doc = "Program-dependent release: short peaks recover at the release time, sustained gain "
    "reduction five times slower.",
    .unit = Unit::toggle, .min = 0, .max = 1, .def = 0};

inline constexpr Param kMakeup{.symbol = "makeup", .label = "Make-up gain",
    .doc = "Gain added after compression.",
    .unit = Unit::db, .min = -24, .max = 24, .def = 0, .smoothing_ms = kSmoothingMs};

inline constexpr Param kAutoMakeup{.symbol = "auto_makeup", .label = "Auto make-up",
    .doc = "Adds the gain reduction the curve gives a 0 dBFS level, on top of the make-up gain.",
    .unit = Unit::toggle, .min = 0, .max = 1, .def = 0};

inline constexpr Param kDetector{.symbol = "detector", .label = "Detector",
    .doc = "Level the compressor reacts to: peak or RMS over the detector window.",
    .unit = Unit::choice, .min = 0, .max = 1, .def = 0, .choices = kDetectorChoices};

inline constexpr Param kWindow{.symbol = "window", .label = "Detector window",
    .doc = "Length of the peak or RMS window; below half a period of the lowest tone the gain follows its waveform.",
    .unit = Unit::ms, .min = 0, .max = 100, .def = 10};

inline constexpr Param kLink{.symbol = "link", .label = "Stereo link",
    .doc = "How far each channel's detector follows the loudest channel: 0 independent, 100 fully linked.",
    .unit = Unit::percent, .min = 0, .max = 100, .def = 100, .smoothing_ms = kSmoothingMs};

inline constexpr Param kMode{.symbol = "mode", .label = "Mode",
    .doc = "Compress left/right, or mid and side (stereo input only).",
    .unit = Unit::choice, .min = 0, .max = 1, .def = 0, .choices = kModeChoices};

inline constexpr Param kMix{.symbol = "mix", .label = "Mix",
    .doc = "Share of compressed signal in the output (parallel compression); 100 is fully compressed.",
    .unit = Unit::percent, .min = 0, .max = 100, .def = 100, .smoothing_ms = kSmoothingMs};

}  // namespace lacquer::dsp::compressor_params
