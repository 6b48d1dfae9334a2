// libFuzzer target for the property strings of the elements: the input is a
// gst-launch description, "mastereq band1::gain=-1.5 phase=linear" or
// "masterchain preset=pop mbcomp::band1::ratio=4 limiter::release=80", read by
// gst_parse_launch, which sets every property from its text through the
// elements' own property handling (child proxies included). The registry
// holds the lacquer plugin only. When the description makes one element,
// audio (drawn from the same bytes) then runs through it and must stay
// finite; GLib criticals abort.
#include "common/gst_fuzz.hpp"

#include <string>

namespace {
constexpr std::size_t kMaxDescription = 4096;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  lacquer::fuzz::init_isolated_gstreamer();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxDescription) return 0;
  const std::string description(reinterpret_cast<const char*>(data), size);
  GError* error = nullptr;
  GstElement* element =
      gst_parse_launch_full(description.c_str(), nullptr, GST_PARSE_FLAG_NONE, &error);
  if (error != nullptr) g_error_free(error);
  if (element == nullptr) return 0;
  if (!GST_IS_PIPELINE(element)) {
    FuzzedDataProvider audio(data, size);
    lacquer::fuzz::run_audio_through(element, audio);
  }
  gst_object_unref(element);
  return 0;
}
