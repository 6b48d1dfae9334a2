#include "stage_element.hpp"

#include "audio_convert.hpp"

#include <gst/audio/audio.h>
#include <gst/audio/gstaudiofilter.h>
#include <gst/base/gstbasetransform.h>

#include <lacquer/dsp/stage_runner.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <string>
#include <vector>

GST_DEBUG_CATEGORY_STATIC(lacquer_stage_debug);
#define GST_CAT_DEFAULT lacquer_stage_debug

namespace lacquer::gst {
namespace {

// Frames handed to the dsp per call: small enough for cache-resident scratch.
constexpr int kChunkFrames = 1024;

enum ExtraProp : guint {
  PROP_BYPASS = 10000,
  PROP_INTERVAL,
  PROP_POST_MESSAGES,
};

constexpr guint64 kDefaultInterval = GST_SECOND;

// ------------------------------------------------------------ names and text

std::string dashed(std::string_view symbol) {
  std::string name(symbol);
  std::replace(name.begin(), name.end(), '_', '-');
  return name;
}

std::string camel(std::string_view text) {
  std::string out;
  bool upper = true;
  for (char ch : text) {
    if (ch == '_' || ch == '-' || ch == ' ') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(g_ascii_toupper(ch)) : ch;
    upper = false;
  }
  return out;
}

std::string format_number(float value) {
  char text[32];
  g_snprintf(text, sizeof text, "%g", static_cast<double>(value));
  return text;
}

// "Ceiling for the true peak of the output. Unit: dBTP, -20 to 0."
std::string blurb_of(const dsp::Param& p) {
  std::string blurb(p.doc);
  const std::string_view unit = dsp::unit_symbol(p.unit);
  if (!unit.empty()) {
    blurb += " Unit: ";
    blurb += unit;
    blurb += ", " + format_number(p.min) + " to " + format_number(p.max) + ".";
  }
  return blurb;
}

// ------------------------------------------------------------ class data

struct GroupClassData {
  const dsp::ParamGroup* group = nullptr;
  int first_index = 0;  // flat index of band 1's first parameter
  GType type = 0;
};

struct ClassData {
  const dsp::StageEntry* entry = nullptr;
  std::string element_name;  // "masterloudness"
  std::vector<GroupClassData> groups;
  std::vector<int> meters;   // flat indices of every meter
  int bits_param = -1;       // quantisers: the `bits` control
};

float value_to_float(const GValue* value) {
  switch (G_TYPE_FUNDAMENTAL(G_VALUE_TYPE(value))) {
    case G_TYPE_BOOLEAN: return g_value_get_boolean(value) ? 1.0f : 0.0f;
    case G_TYPE_INT: return static_cast<float>(g_value_get_int(value));
    case G_TYPE_ENUM: return static_cast<float>(g_value_get_enum(value));
    case G_TYPE_DOUBLE: return static_cast<float>(g_value_get_double(value));
    default: return 0.0f;
  }
}

void float_to_value(float number, GValue* value) {
  switch (G_TYPE_FUNDAMENTAL(G_VALUE_TYPE(value))) {
    case G_TYPE_BOOLEAN: g_value_set_boolean(value, number > 0.5f); break;
    case G_TYPE_INT: g_value_set_int(value, static_cast<gint>(std::lround(number))); break;
    case G_TYPE_ENUM: g_value_set_enum(value, static_cast<gint>(std::lround(number))); break;
    case G_TYPE_DOUBLE: g_value_set_double(value, number); break;
    default: break;
  }
}

GType enum_type_of(const dsp::Param& p, const std::string& type_name) {
  if (GType existing = g_type_from_name(type_name.c_str())) return existing;
  auto* values = g_new0(GEnumValue, p.choices.size() + 1);  // lives as long as the type
  for (std::size_t i = 0; i < p.choices.size(); ++i) {
    values[i].value = static_cast<gint>(p.min) + static_cast<gint>(i);
    values[i].value_nick = g_intern_string(std::string(p.choices[i]).c_str());
    values[i].value_name = values[i].value_nick;
  }
  return g_enum_register_static(g_intern_string(type_name.c_str()), values);
}

// The GParamSpec of a control; nullptr for meters and triggers.
GParamSpec* pspec_of(const dsp::Param& p, const std::string& type_prefix) {
  if (p.is_meter() || p.unit == dsp::Unit::trigger) return nullptr;
  const std::string name = dashed(p.symbol);
  const std::string label(p.label);
  const std::string blurb = blurb_of(p);
  const auto flags = static_cast<GParamFlags>(G_PARAM_READWRITE | GST_PARAM_CONTROLLABLE |
                                              GST_PARAM_MUTABLE_PLAYING);
  switch (p.unit) {
    case dsp::Unit::toggle:
      return g_param_spec_boolean(name.c_str(), label.c_str(), blurb.c_str(), p.def > 0.5f, flags);
    case dsp::Unit::choice:
      return g_param_spec_enum(name.c_str(), label.c_str(), blurb.c_str(),
                               enum_type_of(p, type_prefix + camel(p.symbol)),
                               static_cast<gint>(p.def), flags);
    default:
      if (p.is_integer()) {
        return g_param_spec_int(name.c_str(), label.c_str(), blurb.c_str(), static_cast<gint>(p.min),
                                static_cast<gint>(p.max), static_cast<gint>(p.def), flags);
      }
      return g_param_spec_double(name.c_str(), label.c_str(), blurb.c_str(), p.min, p.max, p.def,
                                 flags);
  }
}

// ------------------------------------------------------------ band children

struct LacquerBand {
  GstObject parent;
  dsp::Stage* stage;
  int band;
};

struct LacquerBandClass {
  GstObjectClass parent_class;
  const dsp::ParamGroup* group;
  int first_index;
};

int band_param_index(LacquerBand* self, guint prop_id) {
  auto* klass = reinterpret_cast<LacquerBandClass*>(G_OBJECT_GET_CLASS(self));
  return klass->first_index + self->band * static_cast<int>(klass->group->params.size()) +
         static_cast<int>(prop_id) - 1;
}

void band_set_property(GObject* object, guint prop_id, const GValue* value, GParamSpec*) {
  auto* self = reinterpret_cast<LacquerBand*>(object);
  self->stage->set(band_param_index(self, prop_id), value_to_float(value));
}

void band_get_property(GObject* object, guint prop_id, GValue* value, GParamSpec*) {
  auto* self = reinterpret_cast<LacquerBand*>(object);
  float_to_value(self->stage->get(band_param_index(self, prop_id)), value);
}

void band_class_init(gpointer g_class, gpointer class_data) {
  auto* klass = static_cast<LacquerBandClass*>(g_class);
  auto* data = static_cast<const GroupClassData*>(class_data);
  klass->group = data->group;
  klass->first_index = data->first_index;
  auto* gobject_class = G_OBJECT_CLASS(g_class);
  gobject_class->set_property = band_set_property;
  gobject_class->get_property = band_get_property;
  const std::string prefix = g_type_name(G_TYPE_FROM_CLASS(g_class));
  guint prop_id = 1;
  for (const dsp::Param& p : data->group->params) {
    if (GParamSpec* pspec = pspec_of(p, prefix)) {
      g_object_class_install_property(gobject_class, prop_id, pspec);
    }
    ++prop_id;
  }
}

GType register_band_type(const std::string& name, GroupClassData* data) {
  const GTypeInfo info{sizeof(LacquerBandClass), nullptr, nullptr, band_class_init, nullptr, data,
                       sizeof(LacquerBand), 0, nullptr, nullptr};
  return g_type_register_static(GST_TYPE_OBJECT, name.c_str(), &info, GTypeFlags{});
}

// ------------------------------------------------------------ the element

// What the streaming thread owns; rebuilt on every caps change.
struct Stream {
  GstAudioInfo in_info{};
  GstAudioInfo out_info{};
  ReadFn read = nullptr;
  WriteFn write = nullptr;
  std::vector<std::vector<float>> scratch;
  std::vector<float*> planes;
  bool configured = false;
  gint64 pending_skip = 0;       // leading frames still to drop (the stage's pre-roll)
  guint64 next_in_sample = 0;    // where the next input frame sits, in samples
  guint64 next_out_sample = 0;   // where the output pushed so far ends, in samples
  bool seen_data = false;
  GstClockTime next_post = GST_CLOCK_TIME_NONE;
};

struct Impl {
  explicit Impl(const dsp::StageEntry& entry) : runner(entry.create()) {}
  dsp::StageRunner runner;
  std::atomic<guint64> interval{kDefaultInterval};
  std::atomic<bool> post_messages{true};
  std::atomic<int> latency{0};  // frames, as reported by the LATENCY query
  std::atomic<int> rate{0};     // of the stream, for the LATENCY query (any thread)
  std::vector<GstObject*> children;
  Stream stream;
};

struct LacquerStage {
  GstAudioFilter parent;
  Impl* impl;
};

struct LacquerStageClass {
  GstAudioFilterClass parent_class;
  const ClassData* data;
};

GstBaseTransformClass* base_class = nullptr;  // GstAudioFilter's vtable, for chaining up

const ClassData& class_data_of(gpointer instance) {
  return *reinterpret_cast<LacquerStageClass*>(G_OBJECT_GET_CLASS(instance))->data;
}

LacquerStage* as_stage(gpointer instance) { return static_cast<LacquerStage*>(instance); }

// ---- properties

void stage_set_property(GObject* object, guint prop_id, const GValue* value, GParamSpec* pspec) {
  Impl& impl = *as_stage(object)->impl;
  switch (prop_id) {
    case PROP_BYPASS: impl.runner.set_bypass(g_value_get_boolean(value)); break;
    case PROP_INTERVAL: impl.interval.store(g_value_get_uint64(value)); break;
    case PROP_POST_MESSAGES: impl.post_messages.store(g_value_get_boolean(value)); break;
    default:
      if (prop_id >= 1 && static_cast<int>(prop_id) <= impl.runner.stage().param_count()) {
        impl.runner.stage().set(static_cast<int>(prop_id) - 1, value_to_float(value));
      } else {
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      }
  }
}

void stage_get_property(GObject* object, guint prop_id, GValue* value, GParamSpec* pspec) {
  Impl& impl = *as_stage(object)->impl;
  switch (prop_id) {
    case PROP_BYPASS: g_value_set_boolean(value, impl.runner.bypass()); break;
    case PROP_INTERVAL: g_value_set_uint64(value, impl.interval.load()); break;
    case PROP_POST_MESSAGES: g_value_set_boolean(value, impl.post_messages.load()); break;
    default:
      if (prop_id >= 1 && static_cast<int>(prop_id) <= impl.runner.stage().param_count()) {
        float_to_value(impl.runner.stage().get(static_cast<int>(prop_id) - 1), value);
      } else {
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      }
  }
}

// An action signal per trigger parameter ("reset"); the closure carries its index.
void on_trigger(gpointer instance, gpointer index) {
  as_stage(instance)->impl->runner.stage().set(GPOINTER_TO_INT(index), 1.0f);
}

// ---- child proxy

GObject* child_by_index(GstChildProxy* proxy, guint index) {
  auto& children = as_stage(proxy)->impl->children;
  return index < children.size() ? G_OBJECT(gst_object_ref(children[index])) : nullptr;
}

guint children_count(GstChildProxy* proxy) {
  return static_cast<guint>(as_stage(proxy)->impl->children.size());
}

void child_proxy_init(gpointer g_iface, gpointer) {
  auto* iface = static_cast<GstChildProxyInterface*>(g_iface);
  iface->get_child_by_index = child_by_index;
  iface->get_children_count = children_count;
}

// ---- meters

void append_double(GValue* array, double number) {
  GValue item = G_VALUE_INIT;
  g_value_init(&item, G_TYPE_DOUBLE);
  g_value_set_double(&item, number);
  gst_value_array_append_and_take_value(array, &item);
}

void post_meters(LacquerStage* self, GstClockTime running_time, GstClockTime stream_time,
                 bool final) {
  const ClassData& data = class_data_of(self);
  const dsp::Stage& stage = self->impl->runner.stage();
  const int channels = GST_AUDIO_INFO_CHANNELS(&self->impl->stream.in_info);
  GstStructure* s = gst_structure_new(data.element_name.c_str(), "running-time", G_TYPE_UINT64,
                                      running_time, "stream-time", G_TYPE_UINT64, stream_time,
                                      "final", G_TYPE_BOOLEAN, final, nullptr);
  for (int index : data.meters) {
    const dsp::ParamRef ref = dsp::param_at(stage.info(), index);
    const std::string name = dashed(dsp::flat_symbol(ref));
    gst_structure_set(s, name.c_str(), G_TYPE_DOUBLE, static_cast<double>(stage.meter(index, -1)),
                      nullptr);
    if (ref.param->per_channel) {
      GValue array = G_VALUE_INIT;
      g_value_init(&array, GST_TYPE_ARRAY);
      for (int c = 0; c < channels; ++c) append_double(&array, stage.meter(index, c));
      gst_structure_take_value(s, (name + "-channels").c_str(), &array);
    }
  }
  gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), s));
}

// ---- streaming

dsp::ChannelRole role_of(GstAudioChannelPosition position) {
  switch (position) {
    case GST_AUDIO_CHANNEL_POSITION_MONO: return dsp::ChannelRole::mono;
    case GST_AUDIO_CHANNEL_POSITION_FRONT_LEFT: return dsp::ChannelRole::left;
    case GST_AUDIO_CHANNEL_POSITION_FRONT_RIGHT: return dsp::ChannelRole::right;
    case GST_AUDIO_CHANNEL_POSITION_FRONT_CENTER: return dsp::ChannelRole::center;
    case GST_AUDIO_CHANNEL_POSITION_LFE1:
    case GST_AUDIO_CHANNEL_POSITION_LFE2: return dsp::ChannelRole::lfe;
    case GST_AUDIO_CHANNEL_POSITION_REAR_LEFT:
    case GST_AUDIO_CHANNEL_POSITION_SIDE_LEFT:
    case GST_AUDIO_CHANNEL_POSITION_SURROUND_LEFT: return dsp::ChannelRole::left_surround;
    case GST_AUDIO_CHANNEL_POSITION_REAR_RIGHT:
    case GST_AUDIO_CHANNEL_POSITION_SIDE_RIGHT:
    case GST_AUDIO_CHANNEL_POSITION_SURROUND_RIGHT: return dsp::ChannelRole::right_surround;
    default: return dsp::ChannelRole::other;
  }
}

dsp::ProcessSpec spec_of(const GstAudioInfo& info) {
  dsp::ProcessSpec spec;
  spec.sample_rate = GST_AUDIO_INFO_RATE(&info);
  spec.channels = GST_AUDIO_INFO_CHANNELS(&info);
  spec.max_block = kChunkFrames;
  spec.layout = dsp::ProcessSpec::default_layout(spec.channels);
  if (!GST_AUDIO_INFO_IS_UNPOSITIONED(&info)) {
    for (int c = 0; c < spec.channels && c < dsp::kMaxChannels; ++c) {
      spec.layout[static_cast<std::size_t>(c)] = role_of(info.position[c]);
    }
  }
  return spec;
}

// The latency to drop and to report is the one the stage has after its
// reset, which reads the controls as they are now (another thread may have
// moved them since prepare()).
void restart_stream(LacquerStage* self) {
  Impl& impl = *self->impl;
  impl.runner.reset();
  const int latency = impl.runner.latency();
  if (impl.latency.exchange(latency) != latency) {
    gst_element_post_message(GST_ELEMENT(self), gst_message_new_latency(GST_OBJECT(self)));
  }
  impl.stream.pending_skip = latency;
  impl.stream.next_in_sample = 0;
  impl.stream.next_out_sample = 0;
  impl.stream.seen_data = false;
  impl.stream.next_post = GST_CLOCK_TIME_NONE;
}

gboolean stage_set_caps(GstBaseTransform* trans, GstCaps* incaps, GstCaps* outcaps) {
  if (!base_class->set_caps(trans, incaps, outcaps)) return FALSE;
  Impl& impl = *as_stage(trans)->impl;
  Stream& stream = impl.stream;
  stream.configured = false;
  if (!gst_audio_info_from_caps(&stream.in_info, incaps) ||
      !gst_audio_info_from_caps(&stream.out_info, outcaps)) {
    return FALSE;
  }
  // The templates take any channel count so that a wrong one ends here, with
  // a message that says what would work, instead of a bare not-negotiated.
  const dsp::StageInfo& info = *class_data_of(trans).entry->info;
  const int channels = GST_AUDIO_INFO_CHANNELS(&stream.in_info);
  if (channels < info.min_channels || channels > info.max_channels) {
    const std::string accepted = info.min_channels == info.max_channels
        ? std::to_string(info.min_channels)
        : std::to_string(info.min_channels) + " to " + std::to_string(info.max_channels);
    GST_ELEMENT_ERROR(trans, CORE, NEGOTIATION,
                      ("%s accepts %s channels; the stream has %d.",
                       class_data_of(trans).element_name.c_str(), accepted.c_str(), channels),
                      (nullptr));
    return FALSE;
  }
  stream.read = pick_reader(GST_AUDIO_INFO_FORMAT(&stream.in_info), stream.in_info.layout);
  stream.write = pick_writer(GST_AUDIO_INFO_FORMAT(&stream.out_info), stream.out_info.layout);
  if (stream.read == nullptr || stream.write == nullptr) return FALSE;
  try {
    impl.runner.prepare(spec_of(stream.in_info));
  } catch (const std::exception& error) {
    GST_ELEMENT_ERROR(trans, CORE, NEGOTIATION, ("Cannot prepare the stage: %s", error.what()),
                      (nullptr));
    return FALSE;
  }
  impl.rate.store(GST_AUDIO_INFO_RATE(&stream.in_info));
  stream.scratch.assign(std::size_t(channels), std::vector<float>(kChunkFrames, 0.0f));
  stream.planes.resize(std::size_t(channels));
  for (std::size_t c = 0; c < stream.planes.size(); ++c) stream.planes[c] = stream.scratch[c].data();
  restart_stream(as_stage(trans));
  stream.configured = true;
  return TRUE;
}

// Runs the stage over a whole buffer. Returns the buffer to push (the input
// itself when formats match), or nullptr when all of it was pre-roll.
GstBuffer* process_buffer(LacquerStage* self, GstBuffer* in) {
  const ClassData& data = class_data_of(self);
  const bool analyser = data.entry->info->analyser;
  Impl& impl = *self->impl;
  Stream& stream = impl.stream;
  const bool same_format = GST_AUDIO_INFO_FORMAT(&stream.in_info) ==
                           GST_AUDIO_INFO_FORMAT(&stream.out_info);
  const bool gap = GST_BUFFER_FLAG_IS_SET(in, GST_BUFFER_FLAG_GAP);
  if (!analyser && same_format) in = gst_buffer_make_writable(in);

  GstAudioBuffer src;
  const auto in_mode = static_cast<GstMapFlags>(analyser || !same_format
                                                    ? GST_MAP_READ
                                                    : GST_MAP_READWRITE);
  if (!gst_audio_buffer_map(&src, &stream.in_info, in, in_mode)) {
    GST_ELEMENT_ERROR(self, STREAM, FAILED, ("Cannot map an input buffer."), (nullptr));
    gst_buffer_unref(in);
    return nullptr;
  }
  const int frames = static_cast<int>(src.n_samples);
  GstBuffer* out = in;
  GstAudioBuffer dst;
  GstAudioBuffer* target = &src;
  if (!analyser && !same_format) {
    out = gst_buffer_new_allocate(nullptr, gsize(frames) * GST_AUDIO_INFO_BPF(&stream.out_info),
                                  nullptr);
    gst_buffer_copy_into(out, in, GST_BUFFER_COPY_METADATA, 0, static_cast<gsize>(-1));
    if (stream.out_info.layout == GST_AUDIO_LAYOUT_NON_INTERLEAVED) {
      gst_buffer_add_audio_meta(out, &stream.out_info, static_cast<gsize>(frames), nullptr);
    }
    gst_audio_buffer_map(&dst, &stream.out_info, out, GST_MAP_WRITE);
    target = &dst;
  }

  for (int offset = 0; offset < frames; offset += kChunkFrames) {
    const int n = std::min(kChunkFrames, frames - offset);
    if (gap) {
      for (auto& plane : stream.scratch) std::fill_n(plane.begin(), n, 0.0f);
    } else {
      stream.read(src, offset, n, stream.planes.data());
    }
    impl.runner.process(stream.planes.data(), n);
    if (!analyser) stream.write(stream.planes.data(), offset, n, *target);
  }
  gst_audio_buffer_unmap(&src);
  if (out != in) {
    gst_audio_buffer_unmap(&dst);
    gst_buffer_unref(in);
  }
  stream.seen_data = true;
  if (!analyser) GST_BUFFER_FLAG_UNSET(out, GST_BUFFER_FLAG_GAP);

  // A latency change (a lookahead or phase-mode setting) is announced. A
  // longer delay would repeat the time already output: that much more is
  // dropped. A shorter one moves the output ahead in time, past frames still
  // waiting to be dropped: those no longer overlap anything.
  const int latency = impl.runner.latency();
  const int previous = impl.latency.exchange(latency);
  if (previous != latency) {
    stream.pending_skip = std::max<gint64>(0, stream.pending_skip + latency - previous);
    gst_element_post_message(GST_ELEMENT(self), gst_message_new_latency(GST_OBJECT(self)));
  }

  // Timestamps: the frames out of the stage are those that went in `latency`
  // frames earlier; the stage's first `latency` frames precede the stream.
  const int rate = GST_AUDIO_INFO_RATE(&stream.in_info);
  const GstClockTime pts = GST_BUFFER_PTS(out);
  const guint64 in_start = GST_CLOCK_TIME_IS_VALID(pts)
                               ? gst_util_uint64_scale_round(pts, guint64(rate), GST_SECOND)
                               : stream.next_in_sample;
  stream.next_in_sample = in_start + guint64(frames);
  if (latency == 0 && stream.pending_skip == 0) {
    stream.next_out_sample = stream.next_in_sample;
    return out;
  }

  const gint64 drop = std::min<gint64>(stream.pending_skip, frames);
  stream.pending_skip -= drop;
  if (drop == frames) {
    gst_buffer_unref(out);
    return nullptr;
  }
  if (drop > 0) {
    out = gst_audio_buffer_truncate(out, GST_AUDIO_INFO_BPF(&stream.out_info), gsize(drop),
                                    gsize(frames - drop));
  }
  const gint64 start = std::max<gint64>(0, gint64(in_start) + drop - latency);
  const gint64 length = frames - drop;
  GST_BUFFER_PTS(out) = gst_util_uint64_scale_round(guint64(start), GST_SECOND, guint64(rate));
  GST_BUFFER_DURATION(out) =
      gst_util_uint64_scale_round(guint64(start + length), GST_SECOND, guint64(rate)) -
      GST_BUFFER_PTS(out);
  GST_BUFFER_OFFSET(out) = guint64(start);
  GST_BUFFER_OFFSET_END(out) = guint64(start + length);
  stream.next_out_sample = guint64(start + length);
  return out;
}

void sync_controls(LacquerStage* self, GstClockTime pts) {
  GstSegment* segment = &GST_BASE_TRANSFORM(self)->segment;
  const GstClockTime stream_time = gst_segment_to_stream_time(segment, GST_FORMAT_TIME, pts);
  if (!GST_CLOCK_TIME_IS_VALID(stream_time)) return;
  gst_object_sync_values(GST_OBJECT(self), stream_time);
  for (GstObject* child : self->impl->children) gst_object_sync_values(child, stream_time);
}

void maybe_post_meters(LacquerStage* self, GstClockTime end_pts) {
  const ClassData& data = class_data_of(self);
  Impl& impl = *self->impl;
  if (data.meters.empty() || !impl.post_messages.load() || !GST_CLOCK_TIME_IS_VALID(end_pts)) {
    return;
  }
  GstSegment* segment = &GST_BASE_TRANSFORM(self)->segment;
  const GstClockTime running = gst_segment_to_running_time(segment, GST_FORMAT_TIME, end_pts);
  if (!GST_CLOCK_TIME_IS_VALID(running)) return;
  const guint64 interval = std::max<guint64>(impl.interval.load(), 1);
  if (!GST_CLOCK_TIME_IS_VALID(impl.stream.next_post)) {
    impl.stream.next_post = (running / interval + 1) * interval;  // on the interval grid
  }
  if (running < impl.stream.next_post) return;
  post_meters(self, running, gst_segment_to_stream_time(segment, GST_FORMAT_TIME, end_pts), false);
  while (impl.stream.next_post <= running) impl.stream.next_post += interval;
}

GstFlowReturn stage_generate_output(GstBaseTransform* trans, GstBuffer** outbuf) {
  *outbuf = nullptr;
  GstBuffer* in = trans->queued_buf;
  trans->queued_buf = nullptr;
  if (in == nullptr) return GST_FLOW_OK;
  LacquerStage* self = as_stage(trans);
  if (!self->impl->stream.configured) {
    gst_buffer_unref(in);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  const GstClockTime pts = GST_BUFFER_PTS(in);
  const GstClockTime end = GST_CLOCK_TIME_IS_VALID(pts) && GST_BUFFER_DURATION_IS_VALID(in)
                               ? pts + GST_BUFFER_DURATION(in)
                               : GST_CLOCK_TIME_NONE;
  if (GST_CLOCK_TIME_IS_VALID(pts)) sync_controls(self, pts);
  *outbuf = process_buffer(self, in);
  maybe_post_meters(self, end);
  return GST_FLOW_OK;
}

// The part of `out` that lies before frame `end` of the stream; nullptr
// when none of it does.
GstBuffer* cut_at(GstBuffer* out, guint64 end, const GstAudioInfo& info) {
  const auto rate = guint64(GST_AUDIO_INFO_RATE(&info));
  const guint64 start = gst_util_uint64_scale_round(GST_BUFFER_PTS(out), rate, GST_SECOND);
  const gsize frames = gst_buffer_get_size(out) / gsize(GST_AUDIO_INFO_BPF(&info));
  if (start >= end) {
    gst_buffer_unref(out);
    return nullptr;
  }
  if (start + frames <= end) return out;
  const auto keep = gsize(end - start);
  out = gst_audio_buffer_truncate(out, GST_AUDIO_INFO_BPF(&info), 0, keep);
  GST_BUFFER_DURATION(out) =
      gst_util_uint64_scale_round(end, GST_SECOND, rate) - GST_BUFFER_PTS(out);
  GST_BUFFER_OFFSET_END(out) = end;
  return out;
}

// Silence in `info`'s format for stream frames [start, end), timestamped.
GstBuffer* silent_buffer(const GstAudioInfo& info, guint64 start, guint64 end) {
  const auto rate = guint64(GST_AUDIO_INFO_RATE(&info));
  const auto frames = gsize(end - start);
  GstBuffer* buffer = gst_buffer_new_allocate(nullptr, frames * GST_AUDIO_INFO_BPF(&info), nullptr);
  gst_buffer_memset(buffer, 0, 0, gst_buffer_get_size(buffer));
  if (info.layout == GST_AUDIO_LAYOUT_NON_INTERLEAVED) {
    gst_buffer_add_audio_meta(buffer, &info, frames, nullptr);
  }
  GST_BUFFER_PTS(buffer) = gst_util_uint64_scale_round(start, GST_SECOND, rate);
  GST_BUFFER_DURATION(buffer) = gst_util_uint64_scale_round(end, GST_SECOND, rate) - GST_BUFFER_PTS(buffer);
  GST_BUFFER_OFFSET(buffer) = start;
  GST_BUFFER_OFFSET_END(buffer) = end;
  return buffer;
}

// At EOS the frames still inside the stage (its latency) are pushed out by
// running silence through it, up to the end of the input and no further.
// Output frame n leaves the stage `latency` frames after input frame n, so
// reaching the end takes end + latency - next_in_sample frames of silence;
// a latency that changes during the drain (a control set just before EOS
// takes effect there) is met by another pass, or by the cut. A stage that
// let go of the frames in flight there (a phase-mode switch starts clean)
// leaves a gap, which is filled with silence: the stream still ends where
// the input did.
void drain(LacquerStage* self) {
  Impl& impl = *self->impl;
  Stream& stream = impl.stream;
  if (!stream.configured || !stream.seen_data) return;
  const guint64 end = stream.next_in_sample;
  for (int pass = 0; pass < 4; ++pass) {
    const gint64 missing = gint64(end) + impl.runner.latency() - gint64(stream.next_in_sample);
    if (missing <= 0) break;
    GstBuffer* silence = silent_buffer(stream.in_info, stream.next_in_sample,
                                       stream.next_in_sample + guint64(missing));
    const guint64 pushed = stream.next_out_sample;
    GstBuffer* out = process_buffer(self, silence);
    if (out != nullptr) out = cut_at(out, end, stream.out_info);
    if (out == nullptr) {
      stream.next_out_sample = pushed;  // all of it lay past the end
      continue;
    }
    stream.next_out_sample = std::min(stream.next_out_sample, end);
    gst_pad_push(GST_BASE_TRANSFORM_SRC_PAD(self), out);
  }
  if (class_data_of(self).entry->info->analyser || stream.next_out_sample >= end) return;
  GstBuffer* gap = silent_buffer(stream.out_info, stream.next_out_sample, end);
  stream.next_out_sample = end;
  gst_pad_push(GST_BASE_TRANSFORM_SRC_PAD(self), gap);
}

gboolean stage_sink_event(GstBaseTransform* trans, GstEvent* event) {
  LacquerStage* self = as_stage(trans);
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_EOS:
      if (self->impl->stream.configured) {
        drain(self);
        if (!class_data_of(self).meters.empty() && self->impl->post_messages.load() &&
            self->impl->stream.seen_data) {
          GstSegment* segment = &trans->segment;
          const auto rate = guint64(GST_AUDIO_INFO_RATE(&self->impl->stream.in_info));
          const GstClockTime end =
              gst_util_uint64_scale_round(self->impl->stream.next_in_sample, GST_SECOND, rate);
          post_meters(self, gst_segment_to_running_time(segment, GST_FORMAT_TIME, end),
                      gst_segment_to_stream_time(segment, GST_FORMAT_TIME, end), true);
        }
      }
      break;
    case GST_EVENT_FLUSH_STOP:
      if (self->impl->stream.configured) restart_stream(self);
      break;
    default:
      break;
  }
  return base_class->sink_event(trans, event);
}

gboolean stage_query(GstBaseTransform* trans, GstPadDirection direction, GstQuery* query) {
  if (!base_class->query(trans, direction, query)) return FALSE;
  if (GST_QUERY_TYPE(query) == GST_QUERY_LATENCY && direction == GST_PAD_SRC) {
    // Asked from any thread: what the streaming thread owns is not read here.
    Impl& impl = *as_stage(trans)->impl;
    const int rate = impl.rate.load();
    if (rate > 0) {
      gboolean live = FALSE;
      GstClockTime min = 0;
      GstClockTime max = GST_CLOCK_TIME_NONE;
      gst_query_parse_latency(query, &live, &min, &max);
      const GstClockTime ours =
          gst_util_uint64_scale_round(guint64(impl.latency.load()), GST_SECOND, guint64(rate));
      min += ours;
      if (GST_CLOCK_TIME_IS_VALID(max)) max += ours;
      gst_query_set_latency(query, live, min, max);
    }
  }
  return TRUE;
}

gboolean stage_stop(GstBaseTransform* trans) {
  Impl& impl = *as_stage(trans)->impl;
  impl.stream.configured = false;
  impl.stream.seen_data = false;
  return TRUE;
}

// Quantising stages take float in and give the format downstream wants,
// preferring the integer width that holds the chosen word length.
GstCaps* stage_transform_caps(GstBaseTransform* trans, GstPadDirection direction, GstCaps* caps,
                              GstCaps* filter) {
  const ClassData& data = class_data_of(trans);
  if (!data.entry->info->quantiser) {
    return base_class->transform_caps(trans, direction, caps, filter);
  }
  GValue formats = G_VALUE_INIT;
  gst_value_list_init(&formats, 5);
  auto add = [&formats](const char* name) {
    GValue v = G_VALUE_INIT;
    g_value_init(&v, G_TYPE_STRING);
    g_value_set_static_string(&v, name);
    gst_value_list_append_and_take_value(&formats, &v);
  };
  if (direction == GST_PAD_SINK) {
    const float bits = data.bits_param >= 0 ? as_stage(trans)->impl->runner.stage().get(data.bits_param)
                                            : 24.0f;
    if (bits <= 16.0f) add("S16LE");
    if (bits <= 24.0f) add("S24LE");
    add("S32LE");
    add("F32LE");
    add("F64LE");
    if (bits > 16.0f) add("S16LE");
    if (bits > 24.0f) add("S24LE");
  } else {
    add("F32LE");
    add("F64LE");
  }
  GstCaps* result = gst_caps_copy(caps);
  for (guint i = 0; i < gst_caps_get_size(result); ++i) {
    gst_structure_set_value(gst_caps_get_structure(result, i), "format", &formats);
  }
  g_value_unset(&formats);
  if (filter != nullptr) {
    GstCaps* both = gst_caps_intersect_full(filter, result, GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref(result);
    result = both;
  }
  return result;
}

// ---- class and instance

// "[ 1, 8 ]", or "2" when the range is a single value.
std::string int_range(int min, int max) {
  return min == max ? std::to_string(min)
                    : "[ " + std::to_string(min) + ", " + std::to_string(max) + " ]";
}

GstCaps* caps_of(const dsp::StageInfo& info, const char* formats) {
  gchar* text = g_strdup_printf(
      "audio/x-raw, format=(string){ %s }, rate=(int)%s, channels=(int)%s, "
      "layout=(string){ interleaved, non-interleaved }",
      formats, int_range(info.min_rate, info.max_rate).c_str(), int_range(1, 64).c_str());
  GstCaps* caps = gst_caps_from_string(text);
  g_free(text);
  return caps;
}

void stage_instance_init(GTypeInstance* instance, gpointer g_class) {
  LacquerStage* self = as_stage(instance);
  const ClassData& data = *static_cast<LacquerStageClass*>(g_class)->data;
  self->impl = new Impl(*data.entry);
  const dsp::StageInfo& info = *data.entry->info;
  auto* trans = GST_BASE_TRANSFORM(instance);
  gst_base_transform_set_in_place(trans, !info.quantiser);
  gst_base_transform_set_gap_aware(trans, TRUE);
  for (const GroupClassData& group : data.groups) {
    for (int band = 0; band < group.group->count; ++band) {
      const std::string name = std::string(group.group->prefix) + std::to_string(band + 1);
      auto* child = static_cast<LacquerBand*>(g_object_new(group.type, "name", name.c_str(), nullptr));
      child->stage = &self->impl->runner.stage();
      child->band = band;
      gst_object_set_parent(GST_OBJECT(child), GST_OBJECT(self));
      self->impl->children.push_back(GST_OBJECT(child));
    }
  }
}

GObjectClass* gobject_parent_class = nullptr;

void stage_finalize(GObject* object) {
  LacquerStage* self = as_stage(object);
  for (GstObject* child : self->impl->children) gst_object_unparent(child);
  delete self->impl;
  gobject_parent_class->finalize(object);
}

void stage_class_init(gpointer g_class, gpointer class_data) {
  auto* klass = static_cast<LacquerStageClass*>(g_class);
  auto* data = static_cast<ClassData*>(class_data);
  klass->data = data;
  const dsp::StageInfo& info = *data->entry->info;
  gobject_parent_class = G_OBJECT_CLASS(g_type_class_peek_parent(g_class));
  base_class = GST_BASE_TRANSFORM_CLASS(g_type_class_peek_parent(g_class));

  auto* gobject_class = G_OBJECT_CLASS(g_class);
  gobject_class->set_property = stage_set_property;
  gobject_class->get_property = stage_get_property;
  gobject_class->finalize = stage_finalize;

  const std::string type_prefix = g_type_name(G_TYPE_FROM_CLASS(g_class));
  for (int index = 0; index < static_cast<int>(info.params.size()); ++index) {
    const dsp::Param& p = info.params[static_cast<std::size_t>(index)];
    if (p.unit == dsp::Unit::trigger) {
      GClosure* closure = g_cclosure_new(G_CALLBACK(on_trigger), GINT_TO_POINTER(index), nullptr);
      g_signal_newv(dashed(p.symbol).c_str(), G_TYPE_FROM_CLASS(g_class),
                    static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION), closure, nullptr,
                    nullptr, g_cclosure_marshal_VOID__VOID, G_TYPE_NONE, 0, nullptr);
    } else if (GParamSpec* pspec = pspec_of(p, type_prefix)) {
      g_object_class_install_property(gobject_class, guint(index) + 1, pspec);
    }
  }
  const auto flags = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(
      gobject_class, PROP_BYPASS,
      g_param_spec_boolean("bypass", "Bypass",
                           "Pass the input through, delayed by the stage's latency so timing "
                           "never moves; switching crossfades over 10 ms.",
                           FALSE, static_cast<GParamFlags>(flags | GST_PARAM_CONTROLLABLE)));
  if (!data->meters.empty()) {
    g_object_class_install_property(
        gobject_class, PROP_INTERVAL,
        g_param_spec_uint64("interval", "Interval",
                            "Time between meter messages on the bus, in nanoseconds.",
                            GST_MSECOND, GST_SECOND * 3600, kDefaultInterval, flags));
    g_object_class_install_property(
        gobject_class, PROP_POST_MESSAGES,
        g_param_spec_boolean("post-messages", "Post messages",
                             "Post meter messages on the bus every interval and at EOS.", TRUE,
                             flags));
  }

  auto* element_class = GST_ELEMENT_CLASS(g_class);
  const std::string long_name(info.name);
  const std::string summary(info.summary);
  gst_element_class_set_metadata(element_class, long_name.c_str(),
                                 std::string(info.gst_klass).c_str(), summary.c_str(),
                                 "Lacquer <https://lacquer.invalid>");
  GstCaps* sink_caps = caps_of(info, info.quantiser ? "F32LE, F64LE" : "F32LE, F64LE, S16LE, S32LE");
  GstCaps* src_caps = caps_of(info, info.quantiser ? "S16LE, S24LE, S32LE, F32LE, F64LE"
                                                   : "F32LE, F64LE, S16LE, S32LE");
  gst_element_class_add_pad_template(element_class,
                                     gst_pad_template_new("sink", GST_PAD_SINK, GST_PAD_ALWAYS, sink_caps));
  gst_element_class_add_pad_template(element_class,
                                     gst_pad_template_new("src", GST_PAD_SRC, GST_PAD_ALWAYS, src_caps));
  gst_caps_unref(sink_caps);
  gst_caps_unref(src_caps);

  auto* trans_class = GST_BASE_TRANSFORM_CLASS(g_class);
  trans_class->set_caps = stage_set_caps;
  trans_class->generate_output = stage_generate_output;
  trans_class->sink_event = stage_sink_event;
  trans_class->query = stage_query;
  trans_class->stop = stage_stop;
  trans_class->transform_caps = stage_transform_caps;
  trans_class->passthrough_on_same_caps = FALSE;
  trans_class->transform_ip_on_passthrough = FALSE;
}

}  // namespace

gboolean register_stage_element(GstPlugin* plugin, const dsp::StageEntry& entry) {
  static bool debug_ready = false;
  if (!debug_ready) {
    GST_DEBUG_CATEGORY_INIT(lacquer_stage_debug, "lacquer", 0, "Lacquer stage elements");
    debug_ready = true;
  }
  const dsp::StageInfo& info = *entry.info;
  auto* data = new ClassData;  // class data lives as long as the type
  data->entry = &entry;
  data->element_name = "master" + std::string(info.symbol);
  const std::string type_name = "GstMaster" + camel(info.symbol);

  int first = static_cast<int>(info.params.size());
  data->groups.reserve(info.groups.size());
  for (const dsp::ParamGroup& group : info.groups) {
    data->groups.push_back(GroupClassData{&group, first, 0});
    first += group.count * static_cast<int>(group.params.size());
  }
  for (GroupClassData& group : data->groups) {
    group.type = register_band_type(type_name + camel(group.group->prefix), &group);
  }
  for (int i = 0; i < dsp::param_count(info); ++i) {
    if (dsp::param_at(info, i).param->is_meter()) data->meters.push_back(i);
  }
  if (info.quantiser) data->bits_param = dsp::find_param(info, "bits");

  const GTypeInfo type_info{sizeof(LacquerStageClass), nullptr, nullptr, stage_class_init, nullptr,
                            data, sizeof(LacquerStage), 0, stage_instance_init, nullptr};
  const GType type = g_type_register_static(GST_TYPE_AUDIO_FILTER, type_name.c_str(), &type_info,
                                            GTypeFlags{});
  if (!info.groups.empty()) {
    const GInterfaceInfo child_proxy{child_proxy_init, nullptr, nullptr};
    g_type_add_interface_static(type, GST_TYPE_CHILD_PROXY, &child_proxy);
  }
  const GInterfaceInfo preset{nullptr, nullptr, nullptr};
  g_type_add_interface_static(type, GST_TYPE_PRESET, &preset);
  return gst_element_register(plugin, data->element_name.c_str(), GST_RANK_NONE, type);
}

}  // namespace lacquer::gst
