// Plots through gnuplot: each plot is a data file, a gnuplot script next to it (so it can be re-run or
// restyled by hand) and the SVG that gnuplot renders from them.
#pragma once

#include <string>

namespace dts::reports {

// True when a gnuplot executable is on PATH.
bool GnuplotAvailable();

// Runs gnuplot on OUT_DIR/<stem>.gp with OUT_DIR as its working directory. Returns "" on success, else the
// reason (for a warning naming the script).
std::string RunGnuplot(const std::string& out_dir, const std::string& stem);

// Quotes a string for a gnuplot script ('...' with '' for a quote).
std::string GnuplotQuote(const std::string& text);

}  // namespace dts::reports
