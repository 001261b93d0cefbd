// Plots through gnuplot: each plot is a data file, a gnuplot script next to it (so it can be re-run or
// restyled by hand) and the SVG and PNG that gnuplot renders from them. The script holds no terminal: the
// report runs it twice, once per terminal (svg; pngcairo, for readers without a browser), so one script gives
// both files. By hand: gnuplot -e "set terminal pngcairo size 1200,420; set output 'x.png'" x.gp
#pragma once

#include <string>
#include <vector>

namespace dts::reports {

// True when a gnuplot executable is on PATH.
bool GnuplotAvailable();

// One plot: OUT_DIR/<stem>.gp, rendered at width x height pixels.
struct PlotSpec {
  std::string stem;
  int width = 720;
  int height = 480;
};

// The gnuplot commands that select a terminal and the output file before the script runs: `format` is "svg"
// (written to <stem>.svg) or "png" (pngcairo, <stem>.png).
std::string TerminalSetup(const PlotSpec& plot, const std::string& format);

// Runs gnuplot on OUT_DIR/<stem>.gp with OUT_DIR as its working directory, after the `setup` commands.
// Returns "" on success, else the reason (for a warning naming the script).
std::string RunGnuplot(const std::string& out_dir, const std::string& stem, const std::string& setup = "");

// Renders the plot to <stem>.svg and <stem>.png; returns the files written, and appends a warning for each
// failure.
std::vector<std::string> RenderPlot(const std::string& out_dir, const PlotSpec& plot,
                                    std::vector<std::string>& warnings);

// Quotes a string for a gnuplot script ('...' with '' for a quote).
std::string GnuplotQuote(const std::string& text);

}  // namespace dts::reports
