// dts-report DIR [--out DIR/report] [--references FILE...] [--top-k N] [--no-plots]
// Builds the paper's tables and plots from a sweep directory; the main tables go to stdout.
#include <boost/program_options.hpp>
#include <iostream>

#include "common/app.h"
#include "common/error.h"
#include "common/exit_codes.h"
#include "reports/report.h"

namespace po = boost::program_options;

int main(int argc, char** argv) {
  return dts::RunApp("dts-report", argc, argv, [](std::vector<std::string>& args) {
    dts::reports::ReportOptions options;
    po::options_description visible("dts-report DIR [options]: tables and plots of a sweep directory");
    visible.add_options()("help,h", "print this help")("out", po::value(&options.out_dir),
                                                       "output directory (default DIR/report)")(
        "references", po::value(&options.reference_files)->multitoken(),
        "CSV files of published results shown as reference rows (e.g. reports/references/published.csv)")(
        "top-k", po::value(&options.top_k)->default_value(10), "rows of the search top-k table")(
        "no-plots", po::bool_switch(), "write plot data and gnuplot scripts but do not run gnuplot");
    po::options_description all;
    all.add(visible).add_options()("dir", po::value(&options.sweep_dir));
    po::positional_options_description positional;
    positional.add("dir", 1);
    po::variables_map vm;
    try {
      po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
      po::notify(vm);
    } catch (const po::error& e) {
      throw dts::UsageError(e.what());
    }
    if (vm.count("help")) {
      std::cout << visible << "\n";
      return static_cast<int>(dts::kExitOk);
    }
    if (options.sweep_dir.empty()) throw dts::UsageError("missing the sweep directory (dts-report DIR)");
    if (options.top_k < 1) throw dts::UsageError("--top-k must be at least 1");
    options.plots = !vm["no-plots"].as<bool>();

    const dts::reports::ReportOutput report = dts::reports::WriteReport(options);
    for (const auto& warning : report.warnings) std::cerr << "dts-report: warning: " << warning << "\n";
    std::cout << report.summary << "Report: " << report.out_dir << "/index.md (" << report.files.size()
              << " files)\n";
    return static_cast<int>(dts::kExitOk);
  });
}
