#include "report.hpp"

#ifdef LACQUER_HAVE_CAIRO
#include <cairo.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

namespace lacquer::cli {

#ifndef LACQUER_HAVE_CAIRO

bool reports_available() noexcept { return false; }

bool write_report(const std::string&, const Measurement&, const Measurement&,
                  const std::vector<std::pair<double, double>>&, double, const std::string&,
                  std::string& error) {
  error = "this lacquer was built without cairo: no --report";
  return false;
}

#else

namespace {

constexpr int kWidth = 1200;
constexpr int kPanelHeight = 300;
constexpr int kHeight = 3 * kPanelHeight + 40;
constexpr double kMargin = 60.0;

struct Panel {
  double x0, y0, width, height;    // plot area in pixels
  double min_x, max_x, min_y, max_y;  // data range
  double x(double v) const { return x0 + (v - min_x) / (max_x - min_x) * width; }
  double y(double v) const {
    return y0 + height - (std::clamp(v, min_y, max_y) - min_y) / (max_y - min_y) * height;
  }
};

void text(cairo_t* cr, double x, double y, const std::string& s, double size = 12.0) {
  cairo_set_font_size(cr, size);
  cairo_move_to(cr, x, y);
  cairo_show_text(cr, s.c_str());
}

std::string format(const char* pattern, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, pattern, value);
  return buffer;
}

// Frame, title and the y grid of a panel.
void draw_frame(cairo_t* cr, const Panel& p, const std::string& title, const std::string& unit,
                double y_step) {
  cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
  text(cr, p.x0, p.y0 - 10, title, 14);
  cairo_set_line_width(cr, 1.0);
  for (double v = std::ceil(p.min_y / y_step) * y_step; v <= p.max_y + 1e-9; v += y_step) {
    cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
    cairo_move_to(cr, p.x0, p.y(v));
    cairo_line_to(cr, p.x0 + p.width, p.y(v));
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    text(cr, p.x0 - 56, p.y(v) + 4, format("%.0f ", v) + unit, 10);
  }
  cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
  cairo_rectangle(cr, p.x0, p.y0, p.width, p.height);
  cairo_stroke(cr);
}

void draw_series(cairo_t* cr, const Panel& p, const std::vector<std::pair<double, double>>& series,
                 double r, double g, double b, double width = 1.5) {
  bool started = false;
  cairo_set_source_rgb(cr, r, g, b);
  cairo_set_line_width(cr, width);
  for (const auto& [t, v] : series) {
    if (!std::isfinite(v) || v < p.min_y - 50) {
      started = false;
      continue;
    }
    if (started) {
      cairo_line_to(cr, p.x(t), p.y(v));
    } else {
      cairo_move_to(cr, p.x(t), p.y(v));
    }
    started = true;
  }
  cairo_stroke(cr);
}

void legend(cairo_t* cr, double x, double y, const std::string& label, double r, double g, double b) {
  cairo_set_source_rgb(cr, r, g, b);
  cairo_rectangle(cr, x, y - 9, 14, 10);
  cairo_fill(cr);
  cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
  text(cr, x + 20, y, label, 11);
}

}  // namespace

bool reports_available() noexcept { return true; }

bool write_report(const std::string& path, const Measurement& before, const Measurement& after,
                  const std::vector<std::pair<double, double>>& gain_reduction, double target_lufs,
                  const std::string& title, std::string& error) {
  cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, kWidth, kHeight);
  cairo_t* cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_source_rgb(cr, 0, 0, 0);
  text(cr, kMargin, 24, title, 16);
  const double duration = std::max(after.seconds(), before.seconds());
  const double plot_width = kWidth - 2 * kMargin;

  // 1. Short-term loudness over time, before and after, and the target.
  double top = target_lufs + 6;
  for (const auto& [t, v] : after.short_term_series) top = std::max(top, v + 2);
  const Panel loudness{kMargin, 40 + 40, plot_width, kPanelHeight - 80.0,
                       0.0, std::max(duration, 1.0), top - 36.0, std::ceil(top)};
  draw_frame(cr, loudness, "Short-term loudness (3 s, EBU R128)", "LUFS", 6.0);
  draw_series(cr, loudness, before.short_term_series, 0.6, 0.6, 0.6);
  draw_series(cr, loudness, after.short_term_series, 0.1, 0.35, 0.8);
  cairo_set_source_rgb(cr, 0.85, 0.1, 0.1);
  const double dashes[] = {6.0, 4.0};
  cairo_set_dash(cr, dashes, 2, 0);
  cairo_move_to(cr, loudness.x0, loudness.y(target_lufs));
  cairo_line_to(cr, loudness.x0 + loudness.width, loudness.y(target_lufs));
  cairo_stroke(cr);
  cairo_set_dash(cr, nullptr, 0, 0);
  legend(cr, kMargin + 330, 70, format("before (I %.1f LUFS)", before.integrated_lufs), 0.6, 0.6, 0.6);
  legend(cr, kMargin + 520, 70, format("after (I %.1f LUFS)", after.integrated_lufs), 0.1, 0.35, 0.8);
  legend(cr, kMargin + 700, 70, format("target %.1f LUFS", target_lufs), 0.85, 0.1, 0.1);

  // 2. Spectral balance by octave band, before and after.
  const double y1 = 40 + kPanelHeight;
  const Panel spectrum{kMargin, y1 + 40, plot_width, kPanelHeight - 80.0,
                       -0.5, double(kOctaveCentresHz.size()) - 0.5, -48.0, 3.0};
  draw_frame(cr, spectrum, "Spectral balance by octave (dB re the loudest band)", "dB", 12.0);
  std::vector<std::pair<double, double>> before_bands;
  std::vector<std::pair<double, double>> after_bands;
  for (std::size_t o = 0; o < kOctaveCentresHz.size(); ++o) {
    before_bands.emplace_back(double(o), before.octave_db[o]);
    after_bands.emplace_back(double(o), after.octave_db[o]);
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    const double hz = kOctaveCentresHz[o];
    text(cr, spectrum.x(double(o)) - 14, spectrum.y0 + spectrum.height + 16,
         hz >= 1000 ? format("%.0fk", hz / 1000) : format(o == 0 ? "%.1f" : "%.0f", hz), 10);
  }
  draw_series(cr, spectrum, before_bands, 0.6, 0.6, 0.6, 2.0);
  draw_series(cr, spectrum, after_bands, 0.1, 0.35, 0.8, 2.0);
  legend(cr, kMargin + 420, y1 + 30, "before", 0.6, 0.6, 0.6);
  legend(cr, kMargin + 520, y1 + 30, "after", 0.1, 0.35, 0.8);

  // 3. Limiter gain reduction over time.
  const double y2 = 40 + 2 * kPanelHeight;
  double deepest = 1.0;
  for (const auto& [t, v] : gain_reduction) deepest = std::max(deepest, v);
  std::vector<std::pair<double, double>> reduction;
  for (const auto& [t, v] : gain_reduction) reduction.emplace_back(t, -v);
  const Panel gr{kMargin, y2 + 40, plot_width, kPanelHeight - 80.0,
                 0.0, std::max(duration, 1.0), -std::ceil(deepest), 0.0};
  draw_frame(cr, gr, "Limiter gain reduction", "dB", std::max(1.0, std::ceil(deepest / 4)));
  draw_series(cr, gr, reduction, 0.8, 0.4, 0.1);
  for (double t = 0; t <= duration; t += std::max(1.0, std::round(duration / 10))) {
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    text(cr, gr.x(t) - 8, gr.y0 + gr.height + 16, format("%.0f s", t), 10);
  }

  cairo_destroy(cr);
  const std::string temporary = path + ".partial";
  const cairo_status_t status = cairo_surface_write_to_png(surface, temporary.c_str());
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) {
    std::filesystem::remove(temporary);
    error = path + ": " + cairo_status_to_string(status);
    return false;
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    error = path + ": " + ec.message();
    return false;
  }
  return true;
}

#endif

}  // namespace lacquer::cli
