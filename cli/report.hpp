// `lacquer master --report FILE.png`: what the mastering did, drawn with
// cairo - short-term loudness over time before and after with the target
// line, the octave-band spectral balance before and after, and the limiter's
// gain reduction over time.
#pragma once

#include "measure.hpp"

#include <string>
#include <utility>
#include <vector>

namespace lacquer::cli {

// True when this build can draw reports (cairo was found).
bool reports_available() noexcept;

// Writes the PNG; false with `error` set when it cannot.
bool write_report(const std::string& path, const Measurement& before, const Measurement& after,
                  const std::vector<std::pair<double, double>>& gain_reduction, double target_lufs,
                  const std::string& title, std::string& error);

}  // namespace lacquer::cli
