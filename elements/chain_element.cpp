/**
 * masterchain: eq -> comp -> mbcomp -> imager -> limiter -> dither as one bin.
 *
 *   gst-launch-1.0 filesrc location=mix.flac ! decodebin ! audioconvert ! \
 *       masterchain preset=pop ceiling=-1 bits=16 limiter::release=80 ! \
 *       audio/x-raw,format=S16LE ! wavenc ! filesink location=master.wav
 *
 * Stereo in, stereo out. The children are the stage elements of this plugin
 * (those this build has), named after their stage: any of their properties is
 * reachable through GstChildProxy ("comp::threshold", "mbcomp::band1::ratio").
 * Each stage is
 * switched with its own `bypass`, which keeps its latency, so the chain's
 * latency - the sum its children report to the LATENCY query - never moves.
 * `preset` applies a genre preset from presets/presets.hpp: the stages it
 * names are switched in with its settings, the others are bypassed; the
 * limiter and the dither always run. The same genre presets load through
 * GstPreset (gst_preset_load_preset(chain, "pop"), or a host's preset menu)
 * from the generated GstMasterChain.prs.
 */
#include "chain_element.hpp"

#include "../presets/presets.hpp"

#include <string>
#include <string_view>

GST_DEBUG_CATEGORY_STATIC(lacquer_chain_debug);
#define GST_CAT_DEFAULT lacquer_chain_debug

namespace lacquer::gst {
namespace {

// Chain order. The limiter and the dither are never bypassed by a preset.
constexpr std::string_view kStages[] = {"eq", "comp", "mbcomp", "imager", "limiter", "dither"};
constexpr double kDefaultCeilingDbtp = -1.0;
constexpr int kDefaultBits = 24;

struct GstMasterChain {
  GstBin parent;
  std::string* preset;  // owned; GObject instances are not C++ objects
  double ceiling_dbtp;
  int bits;
};

struct GstMasterChainClass {
  GstBinClass parent_class;
};

enum { PROP_0, PROP_PRESET, PROP_CEILING, PROP_BITS };

GType chain_get_type();
#define LACQUER_CHAIN(obj) (G_TYPE_CHECK_INSTANCE_CAST((obj), chain_get_type(), GstMasterChain))

// GstPreset with the default, file-based implementation: the generated
// GstMasterChain.prs (presets/gst_presets.cpp) holds one section per genre
// preset that sets `preset`, so gst_preset_load_preset(chain, "pop") and
// preset=pop run the same code; a preset saved by a user keeps every child
// property as well ("comp::threshold").
G_DEFINE_TYPE_WITH_CODE(GstMasterChain, chain, GST_TYPE_BIN,
                        G_IMPLEMENT_INTERFACE(GST_TYPE_PRESET, nullptr))

// Stereo: the imager has no meaning for other layouts. Mono and surround
// programmes go through the stage elements (or `lacquer master`, which leaves
// the imager out for them).
GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("audio/x-raw, format=(string){ F32LE, F64LE }, layout=(string)interleaved, "
                    "channels=(int)2"));
GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("audio/x-raw, format=(string){ F32LE, F64LE, S16LE, S24LE, S32LE }, "
                    "layout=(string)interleaved, channels=(int)2"));

GstElement* child(GstMasterChain* self, std::string_view stage) {
  return gst_bin_get_by_name(GST_BIN(self), std::string(stage).c_str());
}

void set_child_arg(GstMasterChain* self, std::string_view stage, const char* property,
                   const char* value) {
  if (GstElement* element = child(self, stage)) {
    if (g_object_class_find_property(G_OBJECT_GET_CLASS(element), property) != nullptr) {
      gst_util_set_object_arg(G_OBJECT(element), property, value);
    }
    gst_object_unref(element);
  }
}

// Sets every control of `object` (its controllable properties: the stage's
// parameter table) and of its children (bands) back to its default.
void reset_controls(GObject* object) {
  guint count = 0;
  GParamSpec** specs = g_object_class_list_properties(G_OBJECT_GET_CLASS(object), &count);
  for (guint i = 0; i < count; ++i) {
    const GParamSpec* spec = specs[i];
    if ((spec->flags & GST_PARAM_CONTROLLABLE) == 0 ||
        (spec->flags & G_PARAM_READWRITE) != G_PARAM_READWRITE ||
        (spec->flags & G_PARAM_CONSTRUCT_ONLY) != 0) {
      continue;
    }
    g_object_set_property(object, spec->name, g_param_spec_get_default_value(specs[i]));
  }
  g_free(specs);
  if (!GST_IS_CHILD_PROXY(object)) return;
  const guint children = gst_child_proxy_get_children_count(GST_CHILD_PROXY(object));
  for (guint c = 0; c < children; ++c) {
    GObject* band = gst_child_proxy_get_child_by_index(GST_CHILD_PROXY(object), c);
    reset_controls(band);
    g_object_unref(band);
  }
}

// A genre preset is a whole state, not a change: every stage starts from its
// defaults (so a preset leaves nothing of the one before), the stages the
// genre names run with its settings, the others are bypassed. The chain's own
// `ceiling` and `bits` stay as they were set.
void apply_preset(GstMasterChain* self, const presets::Genre& genre) {
  for (std::string_view stage : kStages) {
    GstElement* element = child(self, stage);
    if (element == nullptr) continue;
    reset_controls(G_OBJECT(element));
    gst_object_unref(element);
    if (stage == "limiter" || stage == "dither") continue;
    bool named = false;
    for (const presets::Setting& s : genre.settings) named = named || s.stage == stage;
    set_child_arg(self, stage, "bypass", named ? "false" : "true");
  }
  if (GstElement* limiter = child(self, "limiter")) {
    g_object_set(limiter, "ceiling", self->ceiling_dbtp, nullptr);
    gst_object_unref(limiter);
  }
  set_child_arg(self, "dither", "bits", std::to_string(self->bits).c_str());
  for (const presets::Setting& s : genre.settings) {
    const std::string path = std::string(s.stage) + "::" + std::string(s.property);
    GObject* target = nullptr;
    GParamSpec* spec = nullptr;
    if (!gst_child_proxy_lookup(GST_CHILD_PROXY(self), path.c_str(), &target, &spec)) {
      GST_DEBUG_OBJECT(self, "preset %s: no %s in this build", std::string(genre.name).c_str(),
                       path.c_str());
      continue;
    }
    gst_util_set_object_arg(target, spec->name, std::string(s.value).c_str());
    g_object_unref(target);
  }
}

void chain_set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  GstMasterChain* self = LACQUER_CHAIN(object);
  switch (id) {
    case PROP_PRESET: {
      const char* name = g_value_get_string(value);
      const presets::Genre* genre = presets::find_genre(name != nullptr ? name : "");
      if (genre == nullptr) {
        g_warning("masterchain: unknown preset '%s'; keeping '%s'", name != nullptr ? name : "",
                  self->preset->c_str());
        break;
      }
      *self->preset = std::string(genre->name);
      apply_preset(self, *genre);
      break;
    }
    case PROP_CEILING: {
      self->ceiling_dbtp = g_value_get_double(value);
      if (GstElement* limiter = child(self, "limiter")) {
        g_object_set(limiter, "ceiling", self->ceiling_dbtp, nullptr);
        gst_object_unref(limiter);
      }
      break;
    }
    case PROP_BITS: {
      self->bits = g_value_get_int(value);
      set_child_arg(self, "dither", "bits", std::to_string(self->bits).c_str());
      break;
    }
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

void chain_get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  GstMasterChain* self = LACQUER_CHAIN(object);
  switch (id) {
    case PROP_PRESET: g_value_set_string(value, self->preset->c_str()); break;
    case PROP_CEILING: g_value_set_double(value, self->ceiling_dbtp); break;
    case PROP_BITS: g_value_set_int(value, self->bits); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

void chain_finalize(GObject* object) {
  delete LACQUER_CHAIN(object)->preset;
  G_OBJECT_CLASS(chain_parent_class)->finalize(object);
}

// The default pad handler keeps only live upstream latency, so a bin in a
// non-live pipeline would answer 0; the stage elements report theirs in any
// pipeline, and so does the chain: the LATENCY query passes straight through
// its ghost pads. `user_data` is the pad to ask next.
struct LatencyPassage {
  GstPad* next;                  // the pad to ask
  GstPadQueryFunction original;  // everything else
};

gboolean pass_latency_query(GstPad* pad, GstObject* parent, GstQuery* query) {
  const auto* passage = static_cast<const LatencyPassage*>(pad->querydata);
  if (GST_QUERY_TYPE(query) == GST_QUERY_LATENCY) return gst_pad_peer_query(passage->next, query);
  return passage->original(pad, parent, query);
}

void pass_latency_through(GstPad* pad, GstPad* next) {
  auto* passage = new LatencyPassage{next, GST_PAD_QUERYFUNC(pad)};
  gst_pad_set_query_function_full(pad, pass_latency_query, passage,
                                  [](gpointer data) { delete static_cast<LatencyPassage*>(data); });
}

void chain_init(GstMasterChain* self) {
  self->preset = new std::string(presets::kDefaultGenre);
  self->ceiling_dbtp = kDefaultCeilingDbtp;
  self->bits = kDefaultBits;
  GstElement* first = nullptr;
  GstElement* last = nullptr;
  for (std::string_view stage : kStages) {
    const std::string factory = "master" + std::string(stage);
    GstElement* element = gst_element_factory_make(factory.c_str(), std::string(stage).c_str());
    if (element == nullptr) continue;  // a stage this build does not have
    gst_bin_add(GST_BIN(self), element);
    if (last != nullptr && !gst_element_link(last, element)) {
      GST_ERROR_OBJECT(self, "cannot link %s", factory.c_str());
    }
    if (first == nullptr) first = element;
    last = element;
  }
  if (first == nullptr) return;
  GstPad* sink = gst_element_get_static_pad(first, "sink");
  GstPad* src = gst_element_get_static_pad(last, "src");
  GstPad* ghost_sink =
      gst_ghost_pad_new_from_template("sink", sink, gst_static_pad_template_get(&sink_template));
  GstPad* ghost_src =
      gst_ghost_pad_new_from_template("src", src, gst_static_pad_template_get(&src_template));
  GstProxyPad* sink_internal = gst_proxy_pad_get_internal(GST_PROXY_PAD(ghost_sink));
  GstProxyPad* src_internal = gst_proxy_pad_get_internal(GST_PROXY_PAD(ghost_src));
  pass_latency_through(GST_PAD(sink_internal), ghost_sink);  // from the first stage, upstream
  pass_latency_through(ghost_src, GST_PAD(src_internal));    // from downstream, to the last stage
  gst_object_unref(sink_internal);
  gst_object_unref(src_internal);
  gst_element_add_pad(GST_ELEMENT(self), ghost_sink);
  gst_element_add_pad(GST_ELEMENT(self), ghost_src);
  gst_object_unref(sink);
  gst_object_unref(src);
  apply_preset(self, *presets::find_genre(presets::kDefaultGenre));
}

void chain_class_init(GstMasterChainClass* klass) {
  GObjectClass* object_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  object_class->set_property = chain_set_property;
  object_class->get_property = chain_get_property;
  object_class->finalize = chain_finalize;

  std::string genres;
  for (const presets::Genre& g : presets::kGenres) {
    genres += (genres.empty() ? "" : ", ") + std::string(g.name);
  }
  const std::string preset_blurb =
      "Genre preset: switches in the stages it names with its settings and bypasses the others (" +
      genres + ").";
  g_object_class_install_property(
      object_class, PROP_PRESET,
      g_param_spec_string("preset", "Preset", g_intern_string(preset_blurb.c_str()),
                          std::string(presets::kDefaultGenre).c_str(),
                          GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
  g_object_class_install_property(
      object_class, PROP_CEILING,
      g_param_spec_double("ceiling", "Ceiling",
                          "True-peak ceiling of the limiter (limiter::ceiling). Unit: dBTP, -20 to 0.",
                          -20.0, 0.0, kDefaultCeilingDbtp,
                          GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
  g_object_class_install_property(
      object_class, PROP_BITS,
      g_param_spec_int("bits", "Bits",
                       "Word length the dither quantises to (dither::bits). Unit: bits, 8 to 24.", 8,
                       24, kDefaultBits, GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "Lacquer Mastering Chain", "Filter/Effect/Audio",
      "EQ, compressor, multiband compressor, stereo imager, true-peak limiter and dither in one "
      "bin, each stage switchable, with genre presets",
      "Lacquer");
}

}  // namespace

gboolean register_chain_element(GstPlugin* plugin) {
  GST_DEBUG_CATEGORY_INIT(lacquer_chain_debug, "masterchain", 0, "Lacquer mastering chain");
  return gst_element_register(plugin, "masterchain", GST_RANK_NONE, chain_get_type());
}

}  // namespace lacquer::gst
