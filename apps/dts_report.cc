// dts-report DIR [--out DIR/report] [--references FILE...] [--no-default-references] [--top-k N] [--no-plots]
//            [--bootstrap N] [--permutations N] [--significance-seed S]
// dts-report A B [C ...] --out DIR [--references FILE...] [--no-default-references] [--bootstrap N] ...
// Builds the paper's tables and plots from a sweep directory, or compares several sweeps (each against the
// first, with significance); the main tables go to stdout. docs/report.md describes the output.
#include <boost/program_options.hpp>
#include <iostream>

#include "common/app.h"
#include "common/error.h"
#include "common/exit_codes.h"
#include "reports/report.h"
#include "reports/sweep_comparison.h"

namespace po = boost::program_options;

int main(int argc, char** argv) {
  return dts::RunApp("dts-report", argc, argv, [](std::vector<std::string>& args) {
    dts::reports::ReportOptions options;
    std::vector<std::string> dirs;
    po::options_description visible(
        "dts-report DIR [options]: tables and plots of a sweep directory\n"
        "dts-report A B [C ...] --out DIR [options]: one table comparing the sweeps, each against A");
    visible.add_options()("help,h", "print this help")(
        "out", po::value(&options.out_dir),
        "output directory (default DIR/report; required to compare sweeps)")(
        "references", po::value(&options.reference_files)->multitoken(),
        "CSV files of published results (references.h's format): their rows are added, or replace a built-in "
        "row of the same dataset, system and averaging")(
        "no-default-references", po::bool_switch(),
        "leave out the built-in published rows (reports/references/published.csv)")(
        "top-k", po::value(&options.top_k)->default_value(10), "rows of the search top-k table")(
        "no-plots", po::bool_switch(), "write plot data and gnuplot scripts but do not run gnuplot")(
        "bootstrap", po::value(&options.significance.bootstrap_resamples)->default_value(10000),
        "paired bootstrap resamples of each comparison's confidence interval")(
        "permutations", po::value(&options.significance.randomization_rounds)->default_value(10000),
        "rounds of the sentence-level approximate randomization test")(
        "significance-seed", po::value(&options.significance.seed)->default_value(1),
        "seed of the bootstrap and the randomization test (the same seed gives the same figures)");
    po::options_description all;
    all.add(visible).add_options()("dir", po::value(&dirs)->multitoken());
    po::positional_options_description positional;
    positional.add("dir", -1);
    const po::variables_map vm = dts::ParseCommandLine(args, all, &positional);
    if (vm.count("help")) {
      std::cout << visible << "\n";
      return static_cast<int>(dts::kExitOk);
    }
    if (dirs.empty())
      throw dts::UsageError("missing the sweep directory (dts-report DIR, or dts-report A B --out DIR)");
    if (options.top_k < 1) throw dts::UsageError("--top-k must be at least 1");
    if (options.significance.bootstrap_resamples < 1) throw dts::UsageError("--bootstrap must be at least 1");
    if (options.significance.randomization_rounds < 1)
      throw dts::UsageError("--permutations must be at least 1");
    options.plots = !vm["no-plots"].as<bool>();
    options.published_references = !vm["no-default-references"].as<bool>();

    dts::reports::ReportOutput report;
    if (dirs.size() == 1) {
      options.sweep_dir = dirs.front();
      report = dts::reports::WriteReport(options);
    } else {
      if (options.out_dir.empty())
        throw dts::UsageError("comparing " + std::to_string(dirs.size()) + " sweeps needs --out DIR");
      dts::reports::ComparisonReportOptions compare;
      compare.sweep_dirs = dirs;
      compare.out_dir = options.out_dir;
      compare.reference_files = options.reference_files;
      compare.published_references = options.published_references;
      compare.significance = options.significance;
      report = dts::reports::WriteComparisonReport(compare);
    }
    for (const auto& warning : report.warnings) std::cerr << "dts-report: warning: " << warning << "\n";
    std::cout << report.summary << "Report: " << report.out_dir << "/index.md and index.html ("
              << report.files.size() << " files)\n";
    return static_cast<int>(dts::kExitOk);
  });
}
