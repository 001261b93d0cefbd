// Mean, sample standard deviation and count, as every aggregated cell of the report shows them.
#pragma once

#include <string>
#include <vector>

namespace dts::reports {

struct Summary {
  double mean = 0;
  double std = 0;  // sample standard deviation (n - 1); 0 when n < 2 (shown as no "±" then)
  int n = 0;
};

Summary Summarize(const std::vector<double>& values);

// "89.48 ± 0.52"; "89.48" for n == 1; "–" for n == 0.
std::string FormatSummary(const Summary& s, int decimals = 2);
// Full precision for CSV files ("" for n == 0, and for the std when n < 2): reloading them loses nothing.
std::string CsvNumber(double value);
std::string CsvMean(const Summary& s);
std::string CsvStd(const Summary& s);

}  // namespace dts::reports
