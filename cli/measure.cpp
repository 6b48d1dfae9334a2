#include "measure.hpp"

#include "input_problems.hpp"
#include "session.hpp"

#include <gst/audio/audio.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>

namespace lacquer::cli {
namespace {

constexpr double kMinusInf = -std::numeric_limits<double>::infinity();

double to_db(double linear) { return linear > 0.0 ? 20.0 * std::log10(linear) : kMinusInf; }

// Sums over the decoded samples; filled on the streaming thread.
struct SampleSums {
  std::mutex mutex;
  int channels = 0;
  int rate = 0;
  long long frames = 0;
  std::vector<double> sum;
  double sum_ll = 0.0, sum_rr = 0.0, sum_lr = 0.0;
};

struct SpectrumSums {
  std::vector<double> power;  // mean power per spectrum band, summed over messages
  int messages = 0;
};

void on_handoff(GstElement* /*sink*/, GstBuffer* buffer, GstPad* pad, gpointer user_data) {
  auto& sums = *static_cast<SampleSums*>(user_data);
  std::lock_guard lock(sums.mutex);
  if (sums.channels == 0) {
    GstCaps* caps = gst_pad_get_current_caps(pad);
    GstAudioInfo info;
    if (caps == nullptr || !gst_audio_info_from_caps(&info, caps)) {
      if (caps != nullptr) gst_caps_unref(caps);
      return;
    }
    gst_caps_unref(caps);
    sums.channels = GST_AUDIO_INFO_CHANNELS(&info);
    sums.rate = GST_AUDIO_INFO_RATE(&info);
    sums.sum.assign(std::size_t(sums.channels), 0.0);
  }
  GstMapInfo map;
  if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return;
  const auto* samples = reinterpret_cast<const float*>(map.data);
  const std::size_t channels = std::size_t(sums.channels);
  const std::size_t frames = map.size / sizeof(float) / channels;
  for (std::size_t f = 0; f < frames; ++f) {
    const float* frame = samples + f * channels;
    for (std::size_t c = 0; c < channels; ++c) sums.sum[c] += frame[c];
    if (channels == 2) {
      const double left = frame[0], right = frame[1];
      sums.sum_ll += left * left;
      sums.sum_rr += right * right;
      sums.sum_lr += left * right;
    }
  }
  sums.frames += static_cast<long long>(frames);
  gst_buffer_unmap(buffer, &map);
}

GstPadProbeReturn on_caps(GstPad* /*pad*/, GstPadProbeInfo* info, gpointer user_data) {
  GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
  if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
    GstCaps* caps = nullptr;
    gst_event_parse_caps(event, &caps);
    const GstStructure* s = gst_caps_get_structure(caps, 0);
    int channels = 0;
    if (gst_structure_get_int(s, "channels", &channels)) *static_cast<int*>(user_data) = channels;
  }
  return GST_PAD_PROBE_OK;
}

}  // namespace

MeasureOutcome measure_file(const std::string& path, const std::string& progress_label,
                            bool spectral_balance) {
  MeasureOutcome outcome;
  // The spectrum element averages |X|^2 over each interval in dB; 2048 bands
  // give 11.7 Hz resolution at 48 kHz, enough to split the 31.5 Hz octave.
  const std::string description =
      "filesrc location=" + quoted(path) +
      " ! decodebin ! audioconvert name=convert_in ! audio/x-raw,format=F32LE,layout=interleaved"
      " ! masterloudness name=meter interval=100000000" +
      std::string(spectral_balance
                      ? " ! spectrum name=spectrum bands=2048 threshold=-150 interval=1000000000"
                      : "") +
      " ! fakesink name=sink sync=false signal-handoffs=true";
  GError* gerror = nullptr;
  GstElement* pipeline = gst_parse_launch(description.c_str(), &gerror);
  if (pipeline == nullptr || gerror != nullptr) {
    outcome.error = gerror != nullptr ? gerror->message : "cannot build the analysis pipeline";
    g_clear_error(&gerror);
    if (pipeline != nullptr) gst_object_unref(pipeline);
    return outcome;
  }
  SampleSums sums;
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  g_signal_connect(sink, "handoff", G_CALLBACK(on_handoff), &sums);
  gst_object_unref(sink);
  int decoded_channels = 0;
  GstElement* convert = gst_bin_get_by_name(GST_BIN(pipeline), "convert_in");
  GstPad* convert_sink = gst_element_get_static_pad(convert, "sink");
  gst_pad_add_probe(convert_sink, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_caps, &decoded_channels,
                    nullptr);
  gst_object_unref(convert_sink);
  gst_object_unref(convert);

  Measurement& m = outcome.measurement;
  m.short_term_max_lufs = kMinusInf;
  bool have_final = false;
  SpectrumSums spectrum;
  RunOptions options;
  options.progress_label = progress_label;
  options.on_element_message = [&](const GstStructure* s) {
    const std::string name = gst_structure_get_name(s);
    if (name == "masterloudness") {
      double value = 0.0;
      if (gst_structure_get_double(s, "short-term", &value)) {
        m.short_term_max_lufs = std::max(m.short_term_max_lufs, value);
        guint64 running_time = 0;
        if (gst_structure_get_uint64(s, "running-time", &running_time)) {
          m.short_term_series.emplace_back(double(running_time) / GST_SECOND, value);
        }
      }
      gboolean final = FALSE;
      if (gst_structure_get_boolean(s, "final", &final) && final) {
        have_final = true;
        gst_structure_get_double(s, "integrated", &m.integrated_lufs);
        gst_structure_get_double(s, "loudness-range", &m.loudness_range_lu);
        gst_structure_get_double(s, "true-peak", &m.true_peak_dbtp);
        gst_structure_get_double(s, "sample-peak", &m.sample_peak_dbfs);
      }
    } else if (name == "spectrum") {
      const GValue* magnitudes = gst_structure_get_value(s, "magnitude");
      if (magnitudes == nullptr) return;
      const guint bands = gst_value_list_get_size(magnitudes);
      if (spectrum.power.size() != bands) spectrum.power.assign(bands, 0.0);
      for (guint b = 0; b < bands; ++b) {
        const double db = g_value_get_float(gst_value_list_get_value(magnitudes, b));
        spectrum.power[b] += std::pow(10.0, db / 10.0);
      }
      ++spectrum.messages;
    }
  };
  const RunResult run = run_to_end(pipeline, options);
  gst_object_unref(pipeline);
  outcome.wall_seconds = run.seconds;
  outcome.interrupted = run.interrupted;
  if (!run.ok) {
    outcome.error = decode_problem(path, decoded_channels, run.error);
    return outcome;
  }
  if (auto problem = truncation_problem(path, sums.frames, sums.rate, run.media_seconds)) {
    outcome.error = *problem;
    return outcome;
  }
  if (sums.frames == 0 || !have_final) {
    outcome.error = "holds no audio (0 samples)";
    return outcome;
  }
  m.channels = sums.channels;
  m.rate = sums.rate;
  m.frames = sums.frames;
  m.plr_db = m.true_peak_dbtp - m.integrated_lufs;
  for (double sum : sums.sum) m.dc_offset_dbfs.push_back(to_db(std::abs(sum) / double(sums.frames)));
  if (m.channels == 2) {
    const double denominator = std::sqrt(sums.sum_ll * sums.sum_rr);
    m.correlation = denominator > 0.0 ? sums.sum_lr / denominator : 0.0;
    // Energy of (L+R)/2 against the mean energy of L and R: 0 dB for a
    // mono-compatible programme, 3 dB for uncorrelated channels, more when
    // the channels cancel.
    const double stereo = 0.5 * (sums.sum_ll + sums.sum_rr);
    const double folded = 0.25 * (sums.sum_ll + sums.sum_rr + 2.0 * sums.sum_lr);
    m.mono_loss_db = stereo > 0.0 && folded > 0.0 ? 10.0 * std::log10(stereo / folded) : 0.0;
  }
  if (!spectrum.power.empty()) {
    const double band_hz = 0.5 * m.rate / double(spectrum.power.size());
    double loudest = 0.0;
    std::array<double, kOctaveCentresHz.size()> power{};
    for (std::size_t o = 0; o < kOctaveCentresHz.size(); ++o) {
      const double low = kOctaveCentresHz[o] / std::sqrt(2.0);
      const double high = kOctaveCentresHz[o] * std::sqrt(2.0);
      for (std::size_t b = 0; b < spectrum.power.size(); ++b) {
        const double centre = (double(b) + 0.5) * band_hz;
        if (centre >= low && centre < high) power[o] += spectrum.power[b];
      }
      loudest = std::max(loudest, power[o]);
    }
    for (std::size_t o = 0; o < power.size(); ++o) {
      m.octave_db[o] = loudest > 0.0 && power[o] > 0.0 ? 10.0 * std::log10(power[o] / loudest)
                                                       : kMinusInf;
    }
  }
  outcome.ok = true;
  return outcome;
}

}  // namespace lacquer::cli
