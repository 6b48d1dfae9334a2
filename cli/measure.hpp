// Measuring a file through a GStreamer pipeline: masterloudness for the
// BS.1770 / EBU R128 figures, GStreamer's spectrum element for the octave
// bands, and plain sums over the decoded samples for DC, correlation and
// mono-fold loss.
#pragma once

#include <array>
#include <string>
#include <utility>
#include <vector>

namespace lacquer::cli {

// Octave bands by centre frequency (ISO 266), 31.5 Hz to 16 kHz.
inline constexpr std::array<double, 10> kOctaveCentresHz = {31.5, 63,   125,  250,  500,
                                                            1000, 2000, 4000, 8000, 16000};

struct Measurement {
  int channels = 0;
  int rate = 0;
  long long frames = 0;
  double integrated_lufs = 0.0;
  double loudness_range_lu = 0.0;
  double short_term_max_lufs = 0.0;
  double true_peak_dbtp = 0.0;
  double sample_peak_dbfs = 0.0;
  double plr_db = 0.0;                   // true peak - integrated loudness
  std::vector<double> dc_offset_dbfs;    // per channel
  double correlation = 0.0;              // stereo only: Pearson correlation of L and R
  double mono_loss_db = 0.0;             // stereo only: energy lost by folding to (L+R)/2
  std::array<double, kOctaveCentresHz.size()> octave_db{};  // relative to the loudest band
  std::vector<std::pair<double, double>> short_term_series;  // (seconds, LUFS) every 100 ms

  double seconds() const { return rate > 0 ? double(frames) / rate : 0.0; }
};

struct MeasureOutcome {
  bool ok = false;
  bool interrupted = false;
  std::string error;  // one readable line
  Measurement measurement;
  double wall_seconds = 0.0;
};

// Decodes `path` (any format GStreamer can read) and measures it. The true
// peak is masterloudness's, within 0.05 dB of a 16x meter
// (dsp/include/lacquer/dsp/loudness_meter.hpp). Without `spectral_balance`
// the octave bands are left at 0.
MeasureOutcome measure_file(const std::string& path, const std::string& progress_label,
                            bool spectral_balance = true);

inline constexpr int kMaxChannels = 8;

}  // namespace lacquer::cli
