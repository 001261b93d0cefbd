#include "reports/stats.h"

#include <cmath>
#include <cstdio>

namespace dts::reports {

Summary Summarize(const std::vector<double>& values) {
  Summary s;
  s.n = static_cast<int>(values.size());
  if (s.n == 0) return s;
  double sum = 0;
  for (double v : values) sum += v;
  s.mean = sum / s.n;
  if (s.n > 1) {
    double squares = 0;
    for (double v : values) squares += (v - s.mean) * (v - s.mean);
    s.std = std::sqrt(squares / (s.n - 1));
  }
  return s;
}

std::string FormatSummary(const Summary& s, int decimals) {
  if (s.n == 0) return "–";
  char buffer[64];
  if (s.n == 1) {
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, s.mean);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.*f ± %.*f", decimals, s.mean, decimals, s.std);
  }
  return buffer;
}

std::string CsvNumber(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

std::string CsvMean(const Summary& s) { return s.n == 0 ? "" : CsvNumber(s.mean); }
std::string CsvStd(const Summary& s) { return s.n < 2 ? "" : CsvNumber(s.std); }

}  // namespace dts::reports
