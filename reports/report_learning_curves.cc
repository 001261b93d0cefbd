#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "reports/internal/report_sections.h"
#include "reports/internal/schema_keys.h"
#include "reports/output.h"
#include "reports/stats.h"

namespace dts::reports {

// The dev learning curves of the selected final configuration: per epoch, the mean and sample std over its
// completed runs (folds or seeds) of the early-stopping score and of dev NER and RE F1, from the trial files'
// per-epoch rows. An epoch's figures are over the runs that reached it (early stopping ends runs unevenly).
std::string LearningCurveSection(const std::string& dataset, const Group* group, OutputDir& out,
                                 std::vector<PlotSpec>& plots) {
  if (group == nullptr) return "";
  const auto runs = group->Completed();
  const bool cv = group->CrossValidated();
  std::map<int, std::vector<const schema::EpochRow*>> by_epoch;
  for (const auto* t : runs) {
    for (const auto& e : t->epochs) by_epoch[e.epoch].push_back(&e);
  }
  if (by_epoch.empty()) return "";
  const std::string stem = "learning_" + FileStem(dataset);
  const std::string averaging = cv ? "macro" : "micro";
  std::ostringstream dat;
  dat << "# epoch runs dev_score_mean dev_score_std dev_ner_f1_mean dev_ner_f1_std dev_re_f1_mean "
         "dev_re_f1_std"
      << " (dev F1 " << averaging << "; config " << group->config_id << ")\n";
  for (const auto& [epoch, rows] : by_epoch) {
    dat << epoch << " " << rows.size();
    for (double schema::EpochRow::*m :
         {&schema::EpochRow::dev_score,
          cv ? &schema::EpochRow::dev_ner_f1_macro : &schema::EpochRow::dev_ner_f1_micro,
          cv ? &schema::EpochRow::dev_re_f1_macro : &schema::EpochRow::dev_re_f1_micro}) {
      std::vector<double> v;
      for (const auto* r : rows) v.push_back(r->*m);
      const Summary s = Summarize(v);
      dat << " " << CsvNumber(s.mean) << " " << CsvNumber(s.std);
    }
    dat << "\n";
  }
  out.Write(stem + ".dat", dat.str());
  const std::string unit = cv ? "folds" : "seeds";
  std::ostringstream gp;
  gp << "# Dev learning curves of the final runs on " << dataset
     << ": rendered by dts-report to SVG and PNG.\n"
     << "set title "
     << GnuplotQuote("Dev learning curves on " + dataset + " (config " + ShortId(group->config_id) +
                     "): mean ± std over " + std::to_string(runs.size()) + " " + unit)
     << " noenhanced\n"
     << "set xlabel 'epoch'\nset ylabel 'dev score (%)'\nset grid\nset key outside right top noenhanced\n"
     << "set xrange [0.5:" << by_epoch.rbegin()->first + 0.5 << "]\n"
     << "set style fill transparent solid 0.18 noborder\n"
     << "plot '" << stem << ".dat' using 1:($3-$4):($3+$4) with filledcurves lc 1 notitle, "
     << "'' using 1:3 with linespoints pt 7 ps 0.6 lc 1 title 'early-stopping score', "
     << "'' using 1:($5-$6):($5+$6) with filledcurves lc 2 notitle, "
     << "'' using 1:5 with linespoints pt 5 ps 0.6 lc 2 title 'NER F1 " << averaging << "', "
     << "'' using 1:($7-$8):($7+$8) with filledcurves lc 3 notitle, "
     << "'' using 1:7 with linespoints pt 9 ps 0.6 lc 3 title 'RE F1 " << averaging << "'\n";
  out.Write(stem + ".gp", gp.str());
  plots.push_back({stem, 860, 480});
  std::string md = "### Dev learning curves (" + dataset + ")\n\n" +
                   PlotMarkdown(stem, "dev learning curves, mean and band over runs");
  if (group->ConfigValue(Keys().data_protocol) == Keys().protocol_final)
    md += "With " + Keys().data_protocol + " = " + Keys().protocol_final +
          " the runs train on train+dev, so these dev curves are not held out.\n\n";
  return md;
}

}  // namespace dts::reports
