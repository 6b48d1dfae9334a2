#include "render.hpp"

#include "session.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

namespace lacquer::cli {
namespace {

// Extensions with the GStreamer encoders that write them. Lossy encoders get
// generous bit rates: the output is a release master, not a preview.
constexpr OutputFormat kFormats[] = {
    {".wav", "wavenc", "wavenc", "gstreamer1.0-plugins-good", false, true, false},
    {".flac", "flacenc", "flacenc", "gstreamer1.0-plugins-good", false, true, true},
    {".mp3", "lamemp3enc target=bitrate cbr=true bitrate=320", "lamemp3enc",
     "gstreamer1.0-plugins-good", true, false, true},
    {".ogg", "vorbisenc quality=0.8 ! oggmux", "vorbisenc", "gstreamer1.0-plugins-base", true,
     true, true},
    {".opus", "audioresample ! audio/x-raw,rate=48000 ! opusenc bitrate=256000 ! oggmux",
     "opusenc", "gstreamer1.0-plugins-base", true, true, true},
    {".m4a", "voaacenc bitrate=256000 ! mp4mux", "voaacenc", "gstreamer1.0-plugins-bad", true,
     false, true},
    {".aac", "voaacenc bitrate=256000 ! audio/mpeg,stream-format=adts", "voaacenc",
     "gstreamer1.0-plugins-bad", true, false, true},
};

// The stages a genre preset may switch on, in chain order; the limiter and
// the dither are always there.
constexpr std::string_view kOptionalStages[] = {"eq", "comp", "mbcomp", "imager"};

bool factory_exists(const std::string& name) {
  GstElementFactory* factory = gst_element_factory_find(name.c_str());
  if (factory == nullptr) return false;
  gst_object_unref(factory);
  return true;
}

bool uses_stage(const presets::Genre* genre, std::string_view stage) {
  if (genre == nullptr) return false;
  return std::any_of(genre->settings.begin(), genre->settings.end(),
                     [&](const presets::Setting& s) { return s.stage == stage; });
}

std::string number(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.9g", value);
  return text;
}

}  // namespace

const OutputFormat* output_format_for(const std::string& path) {
  const auto dot = path.find_last_of('.');
  if (dot == std::string::npos || path.find('/', dot) != std::string::npos) return nullptr;
  std::string extension = path.substr(dot);
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  for (const OutputFormat& format : kFormats) {
    if (format.extension == extension) return &format;
  }
  return nullptr;
}

RenderOutcome render(const RenderSettings& settings) {
  RenderOutcome outcome;
  std::string d = "filesrc location=" + quoted(settings.input) + " ! decodebin ! audioconvert";
  if (settings.rate > 0) d += " ! audioresample";
  d += " ! audio/x-raw,format=F32LE,layout=interleaved";
  if (settings.rate > 0) d += ",rate=" + std::to_string(settings.rate);
  // The dynamics see every mix at the presets' reference loudness; the
  // second gain, the one the verify loop corrects, drives the limiter.
  std::string dynamics;
  for (std::string_view stage : kOptionalStages) {
    const std::string factory = "master" + std::string(stage);
    if (!uses_stage(settings.genre, stage) || !factory_exists(factory)) continue;
    if (stage == "imager" && settings.channels != 2) continue;
    dynamics += " ! " + factory + " name=" + std::string(stage) + " post-messages=false";
  }
  d += " ! audioamplify amplification=" + number(std::pow(10.0, settings.pre_gain_db / 20.0)) +
       " clipping-method=none" + dynamics;
  d += " ! audioamplify amplification=" + number(std::pow(10.0, settings.gain_db / 20.0)) +
       " clipping-method=none";
  // Meters every millisecond (in practice every buffer): the deepest gain
  // reduction of the run is the deepest of these.
  d += " ! masterlimiter name=limiter true-peak=true ceiling=" + number(settings.ceiling_dbtp) +
       " interval=1000000";
  const bool dither16 = !settings.format->takes_float;
  if (dither16 || settings.sample_format == SampleFormat::s16) {
    // masterdither quantises to the 16-bit grid itself and hands out S16:
    // no second rounding or dither downstream.
    d += " ! masterdither name=dither bits=16 ! audio/x-raw,format=S16LE";
  } else if (settings.sample_format == SampleFormat::s24 && !settings.format->lossy) {
    d += " ! masterdither name=dither bits=24 ! audio/x-raw,format=S24LE";
  } else {
    d += " ! audioconvert dithering=none noise-shaping=none";
    if (!settings.format->lossy) d += " ! audio/x-raw,format=F32LE";
  }
  d += " ! " + std::string(settings.format->encoder) +
       " ! filesink name=out location=" + quoted(settings.output);
  outcome.pipeline = d;

  GError* gerror = nullptr;
  GstElement* pipeline = gst_parse_launch(d.c_str(), &gerror);
  if (pipeline == nullptr || gerror != nullptr) {
    outcome.error = gerror != nullptr ? gerror->message : "cannot build the render pipeline";
    g_clear_error(&gerror);
    if (pipeline != nullptr) gst_object_unref(pipeline);
    return outcome;
  }
  if (settings.genre != nullptr) {
    for (const presets::Setting& setting : settings.genre->settings) {
      GstElement* element = gst_bin_get_by_name(GST_BIN(pipeline), std::string(setting.stage).c_str());
      if (element == nullptr) continue;  // stage not in this build or not for this layout
      // "band2::threshold" names a child's property (GstChildProxy).
      const std::string property(setting.property);
      GObject* target = nullptr;
      GParamSpec* spec = nullptr;
      const bool found =
          GST_IS_CHILD_PROXY(element)
              ? gst_child_proxy_lookup(GST_CHILD_PROXY(element), property.c_str(), &target, &spec)
              : (spec = g_object_class_find_property(G_OBJECT_GET_CLASS(element),
                                                     property.c_str())) != nullptr;
      if (!found) {
        outcome.error = "preset " + std::string(settings.genre->name) + ": master" +
                        std::string(setting.stage) + " has no property " + property;
        gst_object_unref(element);
        gst_object_unref(pipeline);
        return outcome;
      }
      gst_util_set_object_arg(target != nullptr ? target : G_OBJECT(element), spec->name,
                              std::string(setting.value).c_str());
      if (target != nullptr) g_object_unref(target);
      gst_object_unref(element);
    }
  }
  RunOptions options;
  options.progress_label = settings.progress_label;
  double max_reduction = 0.0;
  options.on_element_message = [&](const GstStructure* s) {
    if (std::string_view(gst_structure_get_name(s)) != "masterlimiter") return;
    double reduction = 0.0;
    if (gst_structure_get_double(s, "gain-reduction", &reduction)) {
      max_reduction = std::max(max_reduction, reduction);
      guint64 running_time = 0;
      if (gst_structure_get_uint64(s, "running-time", &running_time)) {
        outcome.gain_reduction_series.emplace_back(double(running_time) / GST_SECOND, reduction);
      }
    }
  };
  const RunResult run = run_to_end(pipeline, options);
  gst_object_unref(pipeline);
  outcome.ok = run.ok;
  outcome.interrupted = run.interrupted;
  outcome.error = run.error;
  outcome.wall_seconds = run.seconds;
  outcome.max_gain_reduction_db = max_reduction;
  return outcome;
}

}  // namespace lacquer::cli
