// dts-status DIR [--watch [SECONDS]] [--json] [--silent-after SECONDS]
// A read-only view of a sweep directory from any host that sees it: per stage progress and selection, the
// running trials, failures by host and class, and an ETA with its basis (docs/orchestrator.md, "Watching a
// sweep: dts-status"). It takes no lock and writes nothing in DIR.
#include <iostream>
#include <string>
#include <vector>

#include "common/app.h"
#include "common/error.h"
#include "common/exit_codes.h"
#include "status/watch.h"

namespace {

constexpr char kUsage[] =
    "usage: dts-status DIR [--watch [SECONDS]] [--json] [--silent-after SECONDS]\n"
    "  a read-only view of the sweep in DIR (a dts-sweep --out): stages, running trials, failures, ETA\n"
    "  --watch [SECONDS]       redraw in place every SECONDS (default 2) until q, Ctrl-C or the sweep's "
    "end;\n"
    "                          without a terminal, one snapshot\n"
    "  --json                  one snapshot as one JSON object (for scripts; bench/eta_accuracy.sh logs it)\n"
    "  --silent-after SECONDS  call a running trial silent when neither its trial file nor its log changed\n"
    "                          for this long (default: max(sweep.silent_rank_s, 3 epochs of its size))\n";

// --watch takes an optional number: the next argument when it reads as one (a sweep directory named like a
// number needs `--watch 2 DIR` or `./DIR`).
bool ReadsAsNumber(const std::string& text, double& value) {
  try {
    size_t used = 0;
    value = std::stod(text, &used);
    return used == text.size();
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

int main(int argc, char** argv) {
  return dts::RunApp("dts-status", argc, argv, [](std::vector<std::string>& args) {
    dts::status::StatusOptions options;
    for (size_t i = 0; i < args.size(); ++i) {
      const std::string& arg = args[i];
      double value = 0;
      if (arg == "--help" || arg == "-h") {
        std::cout << kUsage;
        return static_cast<int>(dts::kExitOk);
      } else if (arg == "--json") {
        options.json = true;
      } else if (arg == "--watch") {
        options.watch = true;
        if (i + 1 < args.size() && ReadsAsNumber(args[i + 1], value)) {
          if (!(value >= 0.1)) throw dts::UsageError("--watch SECONDS must be at least 0.1");
          options.interval_s = value;
          ++i;
        }
      } else if (arg == "--silent-after") {
        if (i + 1 >= args.size() || !ReadsAsNumber(args[i + 1], value) || !(value > 0))
          throw dts::UsageError("--silent-after needs a positive number of seconds");
        options.summary.silent_after_s = value;
        ++i;
      } else if (arg.rfind("--", 0) == 0) {
        throw dts::UsageError("unknown option '" + arg + "'\n" + kUsage);
      } else if (options.dir.empty()) {
        options.dir = arg;
      } else {
        throw dts::UsageError("one sweep directory only ('" + options.dir + "' and '" + arg + "')");
      }
    }
    if (options.dir.empty()) throw dts::UsageError(std::string("missing the sweep directory\n") + kUsage);
    if (options.json && options.watch) throw dts::UsageError("--json prints one snapshot: not with --watch");
    return dts::status::RunStatus(options);
  });
}
