// The life cycle every stage shares: parameter tables, the runner's
// non-finite guard and its latency-compensated bypass.
#include <boost/test/unit_test.hpp>

#include <lacquer/dsp/registry.hpp>

#include "../common/run_stage.hpp"

#include <cmath>
#include <set>
#include <string>

using namespace lacquer;

BOOST_AUTO_TEST_SUITE(stage_tables)

BOOST_AUTO_TEST_CASE(every_parameter_is_well_formed) {
  for (const dsp::StageEntry& entry : dsp::stages()) {
    const dsp::StageInfo& info = *entry.info;
    BOOST_TEST_CONTEXT("stage " << info.symbol) {
      std::set<std::string> symbols;
      for (int i = 0; i < dsp::param_count(info); ++i) {
        const dsp::ParamRef ref = dsp::param_at(info, i);
        BOOST_TEST_REQUIRE(ref.param != nullptr);
        const dsp::Param& p = *ref.param;
        BOOST_TEST_CONTEXT("parameter " << p.symbol) {
          BOOST_TEST(symbols.insert(dsp::flat_symbol(ref)).second);  // unique
          BOOST_TEST(p.min <= p.def);
          BOOST_TEST(p.def <= p.max);
          BOOST_TEST(!p.label.empty());
          BOOST_TEST(!p.doc.empty());
          if (p.unit == dsp::Unit::choice) BOOST_TEST(p.choices.size() == std::size_t(p.max - p.min + 1));
          if (p.taper == dsp::Taper::log) BOOST_TEST(p.min > 0.0f);
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(set_clamps_to_the_declared_range) {
  for (const dsp::StageEntry& entry : dsp::stages()) {
    auto stage = entry.create();
    for (int i = 0; i < stage->param_count(); ++i) {
      const dsp::Param& p = *dsp::param_at(stage->info(), i).param;
      if (p.is_meter() || p.unit == dsp::Unit::trigger) continue;
      stage->set(i, p.max + 1000.0f);
      BOOST_TEST(stage->get(i) == p.max);
      stage->set(i, p.min - 1000.0f);
      BOOST_TEST(stage->get(i) == p.min);
      stage->set(i, NAN);
      BOOST_TEST(stage->get(i) == p.min);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(stage_runner)

// Every stage, fed NaN and infinities, keeps its output finite and is back to
// normal within one block of finite input.
BOOST_AUTO_TEST_CASE(nonfinite_input_never_poisons_a_stage) {
  for (const dsp::StageEntry& entry : dsp::stages()) {
    BOOST_TEST_CONTEXT("stage " << entry.info->symbol) {
      const int channels = entry.info->min_channels <= 2 && entry.info->max_channels >= 2 ? 2
                                                                                          : entry.info->min_channels;
      auto runner = test::make_runner(entry.info->symbol, 48000.0, channels, 512);
      test::Planar audio(std::size_t(channels), test::sine(48000.0, 997.0, -20.0, 48000));
      for (auto& ch : audio) {
        ch[100] = NAN;
        ch[2000] = INFINITY;
        ch[3000] = -INFINITY;
      }
      test::run_blocks(*runner, audio, 512);
      for (auto& ch : audio) {
        for (float x : ch) BOOST_TEST_REQUIRE(std::isfinite(x));
      }
      BOOST_TEST(runner->nonfinite_count() == 3 * channels);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
