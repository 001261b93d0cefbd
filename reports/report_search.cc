#include <algorithm>
#include <cmath>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "config/stages.h"
#include "reports/internal/report_sections.h"
#include "reports/internal/schema_keys.h"
#include "reports/output.h"
#include "reports/stats.h"

namespace dts::reports {

using schema::Scores;

namespace {

struct SearchPoint {
  const Group* group;
  double dev;
};

}  // namespace

// Search overview for one dataset: top-k table, dev-score-vs-layers plot data + script.
std::string SearchSection(const SweepData& data, const std::string& dataset,
                          const std::vector<std::string>& searched, int top_k, OutputDir& out,
                          std::vector<PlotSpec>& plots) {
  const std::vector<Group> groups = GroupRecords(data, dataset, config::kStageSearch, false);
  if (groups.empty()) return "";
  std::vector<SearchPoint> points;
  int unknown = 0;
  for (const auto& g : groups) {
    if (auto dev = g.MeanDevScore()) {
      points.push_back({&g, *dev});
    } else {
      ++unknown;
    }
  }
  std::stable_sort(points.begin(), points.end(),
                   [](const SearchPoint& a, const SearchPoint& b) { return a.dev > b.dev; });
  const std::string stem = FileStem(dataset);
  ReportTable t;
  t.display.name = "search_top_" + stem;
  t.values.name = "search_" + stem;
  t.display.title = "Search (" + dataset + "): top " +
                    std::to_string(std::min<std::size_t>(top_k, points.size())) + " of " +
                    std::to_string(groups.size()) + " configurations by mean dev score";
  t.values.title = t.display.title;
  t.display.columns = {"Rank",      "Config", "Shared", "NER", "RE", "Cell", "Other searched values",
                       "Dev score", "Params", "Trials"};
  t.values.columns = {"rank",          "config_id",      "shared_layers", "ner_layers", "re_layers",
                      "cell",          "other_searched", "dev_score",     "parameters", "trials_with_score",
                      "trials_planned"};
  int rank = 0;
  for (const auto& p : points) {
    ++rank;
    const Group& g = *p.group;
    std::string others;
    for (const auto& k : searched) {
      if (k == Keys().shared_layers || k == Keys().ner_layers || k == Keys().re_layers || k == Keys().cell)
        continue;
      others += (others.empty() ? "" : ", ") + k + "=" + g.ConfigValue(k);
    }
    int scored = 0;
    for (const auto* r : g.records) scored += r->DevScore().has_value();
    const auto params = g.Parameters();
    const std::vector<std::string> row = {std::to_string(rank),
                                          ShortId(g.config_id),
                                          g.ConfigValue(Keys().shared_layers),
                                          g.ConfigValue(Keys().ner_layers),
                                          g.ConfigValue(Keys().re_layers),
                                          g.ConfigValue(Keys().cell),
                                          others.empty() ? "–" : others,
                                          Fixed(p.dev),
                                          params ? std::to_string(*params) : "–",
                                          CountCell(scored, g.Planned(), "")};
    if (rank <= top_k) t.display.rows.push_back(row);
    t.values.rows.push_back({std::to_string(rank), g.config_id, g.ConfigValue(Keys().shared_layers),
                             g.ConfigValue(Keys().ner_layers), g.ConfigValue(Keys().re_layers),
                             g.ConfigValue(Keys().cell), others, CsvNumber(p.dev),
                             params ? std::to_string(*params) : "", std::to_string(scored),
                             std::to_string(g.Planned())});
  }
  for (auto& row : t.display.rows) {
    auto& trials = row.back();
    if (!trials.empty() && trials.back() == ' ') trials.pop_back();
  }
  if (unknown > 0) {
    t.display.notes.push_back(std::to_string(unknown) +
                              " configuration(s) without a dev score yet (failed or unfinished).");
  }
  t.display.notes.push_back("The CSV lists every scored configuration, not only the top " +
                            std::to_string(top_k) + ".");
  std::string md = out.WriteTable(t) + Links(t);

  // Plot data: one line per configuration; the cell type as an index so gnuplot can colour by it.
  std::vector<std::string> cells;
  for (const auto& p : points) {
    const std::string cell = p.group->ConfigValue(Keys().cell);
    if (std::find(cells.begin(), cells.end(), cell) == cells.end()) cells.push_back(cell);
  }
  std::ostringstream dat;
  dat << "# shared ner re cell_index dev_score config_id\n";
  bool numeric = !points.empty();
  for (const auto& p : points) {
    const Group& g = *p.group;
    const std::string s = g.ConfigValue(Keys().shared_layers), n = g.ConfigValue(Keys().ner_layers),
                      r = g.ConfigValue(Keys().re_layers);
    numeric = numeric && s != "?" && n != "?" && r != "?";
    const auto cell = std::find(cells.begin(), cells.end(), g.ConfigValue(Keys().cell)) - cells.begin();
    dat << s << " " << n << " " << r << " " << cell << " " << CsvNumber(p.dev) << " " << g.config_id << "\n";
  }
  out.Write("search_" + stem + ".dat", dat.str());
  if (numeric) {
    // One row of panels per cell type (LSTM and GRU apart), one column per layer kind, a shared y range so
    // rows compare; the legend sits below the panels, outside every data area.
    double lo = points.front().dev, hi = points.front().dev;
    for (const auto& p : points) {
      lo = std::min(lo, p.dev);
      hi = std::max(hi, p.dev);
    }
    const double pad = std::max(0.5, (hi - lo) * 0.08);
    const int rows = static_cast<int>(cells.size());
    const double bottom = 0.1 / rows + 0.04;  // the key's band, in screen units
    std::ostringstream gp;
    gp << "# Search on " << dataset
       << ": dev score per configuration against its layer counts, one row of panels\n"
       << "# per cell type. Rendered by dts-report to SVG and PNG (see plots.h for re-running it by hand).\n"
       << "set multiplot layout " << rows << ",3 title "
       << GnuplotQuote("Search on " + dataset + ": dev score per configuration")
       << " noenhanced margins 0.07,0.98," << Fixed(bottom + 0.06, 3) << ",0.9 spacing 0.06,0.08\n"
       << "set grid\nset xtics 1\nset xrange [-0.5:3.5]\nset yrange [" << CsvNumber(lo - pad) << ":"
       << CsvNumber(hi + pad) << "]\n";
    const char* const titles[] = {"shared BiRNN layers", "NER-specific layers", "RE-specific layers"};
    for (std::size_t c = 0; c < cells.size(); ++c) {
      for (int column = 1; column <= 3; ++column) {
        gp << "set xlabel '" << titles[column - 1] << "'\n"
           << "set ylabel " << GnuplotQuote(column == 1 ? cells[c] + ": dev score (%)" : "")
           << " noenhanced\n";
        if (c == 0 && column == 1) {
          gp << "set key at screen 0.5, screen 0.01 center bottom horizontal noenhanced samplen 1 box "
                "opaque\n";
        } else {
          gp << "unset key\n";
        }
        // Every cell type in the first panel's key (a 1/0 series draws nothing), so the key lists them all.
        std::vector<std::string> series;
        for (std::size_t k = 0; k < cells.size(); ++k) {
          if (k != c && !(c == 0 && column == 1)) continue;
          std::ostringstream one;
          one << "'search_" << stem << ".dat' using " << column << ":($4==" << k
              << (k == c ? " ? $5 : 1/0)" : " ? 1/0 : 1/0)") << " with points pt " << (7 + 2 * k)
              << " ps 1.2 lc " << (k + 1) << " title " << GnuplotQuote(cells[k]);
          series.push_back(one.str());
        }
        gp << "plot ";
        for (std::size_t i = 0; i < series.size(); ++i) gp << (i ? ", " : "") << series[i];
        gp << "\n";
      }
    }
    gp << "unset multiplot\n";
    plots.push_back({"search_" + stem, 1200, 130 + 300 * rows});
    out.Write("search_" + stem + ".gp", gp.str());
    md += PlotMarkdown("search_" + stem, "dev score against layer counts, per cell type");
  }
  return md;
}

std::string RacingSection(const SweepData& data, const std::string& dataset, OutputDir& out) {
  if (data.manifest.eliminations.empty()) return "";
  const std::vector<Group> groups = GroupRecords(data, dataset, config::kStageSearch, false);
  if (groups.empty()) return "";
  std::map<std::string, const Group*> by_id;
  int folds = 0, trained = 0;
  for (const auto& g : groups) {
    by_id[g.config_id] = &g;
    for (const auto* r : g.records) {
      folds = std::max(folds, r->plan.fold + 1);
      trained += r->DevScore().has_value();
    }
  }
  const std::string stem = FileStem(dataset);
  ReportTable t;
  t.display.name = t.values.name = "racing_" + stem;
  t.display.title = t.values.title = "Racing over folds (" + dataset +
                                     "): configurations eliminated before "
                                     "their remaining folds";
  t.display.columns = {"Config", "Shared",        "NER",          "RE",
                       "Cell",   "After fold",    "Paired folds", "Folds trained",
                       "Gap",    "p (one-sided)", "Lost to"};
  t.values.columns = {"config_id",    "shared_layers", "ner_layers", "re_layers", "cell",        "after_fold",
                      "paired_folds", "folds_trained", "mean_gap",   "p_value",   "incumbent_id"};
  int eliminated = 0;
  for (const auto& e : data.manifest.eliminations) {
    auto it = by_id.find(e.config_id);
    if (it == by_id.end()) continue;  // another dataset's configuration
    ++eliminated;
    const Group& g = *it->second;
    int folds_trained = 0;
    for (const auto* r : g.records) folds_trained += r->DevScore().has_value();
    t.display.rows.push_back({ShortId(e.config_id), g.ConfigValue(Keys().shared_layers),
                              g.ConfigValue(Keys().ner_layers), g.ConfigValue(Keys().re_layers),
                              g.ConfigValue(Keys().cell), std::to_string(e.after_fold),
                              std::to_string(e.folds), std::to_string(folds_trained), Fixed(e.mean_gap),
                              Fixed(e.p_value, 4), ShortId(e.incumbent_id)});
    t.values.rows.push_back({e.config_id, g.ConfigValue(Keys().shared_layers),
                             g.ConfigValue(Keys().ner_layers), g.ConfigValue(Keys().re_layers),
                             g.ConfigValue(Keys().cell), std::to_string(e.after_fold),
                             std::to_string(e.folds), std::to_string(folds_trained), CsvNumber(e.mean_gap),
                             CsvNumber(e.p_value), e.incumbent_id});
  }
  if (eliminated == 0) return "";
  const int full = static_cast<int>(groups.size()) * folds;
  std::ostringstream note;
  note << eliminated << " of " << groups.size() << " configurations eliminated; the search trained "
       << trained << " folds, against " << full << " for every started configuration on all " << folds
       << " folds (" << Fixed(100.0 * trained / std::max(1, full), 1)
       << "%). Gap: the incumbent's mean dev score minus the eliminated configuration's, over the paired "
          "folds. "
          "A configuration overtaken after it had run every fold is listed too; it cost nothing extra.";
  t.display.notes.push_back(note.str());
  return out.WriteTable(t) + Links(t);
}

// Which searched dimensions mattered: each dimension's levels (its values, or for a continuous one its
// thirds by rank) with the mean score of the configurations at each, and the share of the scores' variance
// the dimension explains alone (epsilon squared, the bias-corrected eta squared: it does not grow with the
// number of levels). Scored at the one budget every configuration of the search has: ASHA's rung 0, else
// each configuration's first run (fold 0, or its first seed); a diverged run counts 0.
std::string ImportanceSection(const SweepData& data, const std::string& dataset,
                              const std::vector<std::string>& searched, OutputDir& out) {
  const std::vector<Group> groups = GroupRecords(data, dataset, config::kStageSearch, false);
  bool asha = false;
  for (const auto& row : data.manifest.trials) asha = asha || schema::AshaRung(row) >= 0;
  std::map<std::string, const schema::PlannedTrial*> first;  // config_id -> the row that scores it
  for (const auto& row : data.manifest.trials) {
    if (row.stage != config::kStageSearch || !schema::HasResult(row.status)) continue;
    if (asha ? schema::AshaRung(row) != 0 : row.variant == schema::kRaceVariant) continue;
    auto [it, added] = first.try_emplace(row.config_id, &row);
    if (!added && std::make_pair(row.fold, row.seed) < std::make_pair(it->second->fold, it->second->seed))
      it->second = &row;
  }
  struct Scored {
    const Group* group;
    double score;
  };
  std::vector<Scored> scored;
  for (const auto& g : groups) {
    auto it = first.find(g.config_id);
    if (it == first.end()) continue;
    const auto& row = *it->second;
    scored.push_back({&g, row.status == schema::TrialStatus::kDiverged ? 0.0 : std::max(0.0, row.dev_score)});
  }
  if (scored.size() < 6 || searched.empty()) return "";  // too few to say anything
  const double n = static_cast<double>(scored.size());
  double mean = 0;
  for (const auto& s : scored) mean += s.score / n;
  double total = 0;
  for (const auto& s : scored) total += (s.score - mean) * (s.score - mean);

  struct Level {
    std::string label;
    double sum = 0;
    int count = 0;
  };
  struct Row {
    std::string key;
    std::vector<Level> levels;
    double epsilon2 = 0;
  };
  std::vector<Row> rows;
  for (const auto& key : searched) {
    if (asha && key == Keys().max_epochs) continue;  // ASHA's budget per rung, not a searched dimension
    Row row{key, {}, 0};
    std::vector<std::pair<std::string, double>> values;  // per configuration: its value, as text and number
    bool numeric = true;
    std::set<std::string> distinct;
    for (const auto& s : scored) {
      const std::string value = s.group->ConfigValue(key);
      distinct.insert(value);
      char* end = nullptr;
      const double number = std::strtod(value.c_str(), &end);
      numeric = numeric && end != value.c_str() && *end == '\0';
      values.emplace_back(value, number);
    }
    if (distinct.size() < 2) continue;
    std::vector<size_t> level_of(scored.size());
    if (numeric && distinct.size() > 6) {
      // Thirds by rank, labelled with their value ranges.
      std::vector<size_t> order(scored.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(),
                       [&](size_t a, size_t b) { return values[a].second < values[b].second; });
      row.levels.resize(3);
      for (size_t rank = 0; rank < order.size(); ++rank) level_of[order[rank]] = rank * 3 / order.size();
      for (size_t third = 0; third < 3; ++third) {
        double lo = 0, hi = 0;
        bool any = false;
        for (size_t i = 0; i < scored.size(); ++i)
          if (level_of[i] == third) {
            lo = any ? std::min(lo, values[i].second) : values[i].second;
            hi = any ? std::max(hi, values[i].second) : values[i].second;
            any = true;
          }
        std::ostringstream label;
        label << std::setprecision(2) << lo << "-" << hi;
        row.levels[third].label = label.str();
      }
    } else {
      std::vector<std::string> labels(distinct.begin(), distinct.end());
      if (numeric)
        std::stable_sort(labels.begin(), labels.end(), [](const std::string& a, const std::string& b) {
          return std::stod(a) < std::stod(b);
        });
      for (const auto& label : labels) row.levels.push_back({label, 0, 0});
      for (size_t i = 0; i < scored.size(); ++i)
        level_of[i] =
            static_cast<size_t>(std::find(labels.begin(), labels.end(), values[i].first) - labels.begin());
    }
    for (size_t i = 0; i < scored.size(); ++i) {
      row.levels[level_of[i]].sum += scored[i].score;
      row.levels[level_of[i]].count += 1;
    }
    double between = 0;
    int k = 0;
    for (const auto& level : row.levels)
      if (level.count > 0) {
        const double m = level.sum / level.count;
        between += level.count * (m - mean) * (m - mean);
        ++k;
      }
    const double within = std::max(0.0, total - between);
    const double ms_within = n - k > 0 ? within / (n - k) : 0;
    row.epsilon2 = total > 0 ? (between - (k - 1) * ms_within) / (total + ms_within) : 0;
    rows.push_back(row);
  }
  if (rows.empty()) return "";
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.epsilon2 > b.epsilon2; });

  const std::string stem = FileStem(dataset);
  ReportTable t;
  t.display.name = t.values.name = "importance_" + stem;
  t.display.title = t.values.title = "Search (" + dataset + "): which searched dimensions mattered";
  t.display.columns = {"Dimension", "Mean score per level (configurations)", "Best level",
                       "Variance explained"};
  t.values.columns = {"key", "level", "configurations", "mean_score", "epsilon_squared"};
  for (const auto& row : rows) {
    std::string cells, best;
    double best_mean = -1;
    for (const auto& level : row.levels) {
      if (level.count == 0) continue;
      const double m = level.sum / level.count;
      cells += (cells.empty() ? "" : "; ") + level.label + ": " + Fixed(m, 1) + " (" +
               std::to_string(level.count) + ")";
      if (m > best_mean) {
        best_mean = m;
        best = level.label;
      }
      t.values.rows.push_back(
          {row.key, level.label, std::to_string(level.count), CsvNumber(m), CsvNumber(row.epsilon2)});
    }
    t.display.rows.push_back({row.key, cells, best, Fixed(100.0 * std::max(0.0, row.epsilon2), 0) + "%"});
  }
  std::ostringstream note;
  note << "Scores: each of the " << scored.size() << " configurations' dev score "
       << (asha ? "at ASHA's rung 0 (the one budget every configuration has: how fast a configuration learns "
                  "as much as how well)"
                : "on its first run (fold 0, or its first seed)")
       << ", a diverged run 0; overall mean " << Fixed(mean, 1)
       << ". Continuous dimensions are cut into thirds by rank. Variance explained: epsilon squared (eta "
          "squared corrected for the number of levels, 0% when below), one dimension at a time: main effects "
          "only, from few configurations, so a hint of what mattered rather than a measurement.";
  t.display.notes.push_back(note.str());
  return out.WriteTable(t) + Links(t);
}

// The theta_r curve of the selected configuration: mean dev RE scores per threshold over its runs.
std::string ThetaSection(const std::string& dataset, const Group* group, OutputDir& out,
                         std::vector<PlotSpec>& plots) {
  if (group == nullptr) return "";
  std::map<long long, std::vector<const schema::ThetaPoint*>> by_theta;  // keyed by theta in 1e-6 steps
  std::vector<double> used;
  for (const auto* r : group->records) {
    if (!r->file || r->file->theta_curve.empty()) continue;
    used.push_back(r->file->theta_r);
    for (const auto& p : r->file->theta_curve) by_theta[std::llround(p.theta * 1e6)].push_back(&p);
  }
  if (by_theta.empty()) return "";
  const std::string stem = "theta_" + FileStem(dataset);
  ReportTable t;
  t.display.name = t.values.name = stem;
  t.display.title = t.values.title = "theta_r curve (" + dataset + ", config " + ShortId(group->config_id) +
                                     "): dev RE scores per threshold, mean over " +
                                     std::to_string(used.size()) + " runs";
  t.display.columns = {"theta", "P micro", "R micro", "F1 micro", "P macro", "R macro", "F1 macro", "runs"};
  t.values.columns = {"theta",           "precision_micro", "recall_micro", "f1_micro",
                      "precision_macro", "recall_macro",    "f1_macro",     "runs"};
  std::ostringstream dat;
  dat << "# theta precision_micro recall_micro f1_micro precision_macro recall_macro f1_macro\n";
  for (const auto& [key, points] : by_theta) {
    const double theta = static_cast<double>(key) / 1e6;
    std::vector<std::string> display = {Fixed(theta)}, values = {CsvNumber(theta)};
    dat << CsvNumber(theta);
    for (double Scores::*m : {&Scores::precision_micro, &Scores::recall_micro, &Scores::f1_micro,
                              &Scores::precision_macro, &Scores::recall_macro, &Scores::f1_macro}) {
      std::vector<double> v;
      for (const auto* p : points) v.push_back(p->re.*m);
      const Summary s = Summarize(v);
      display.push_back(Fixed(s.mean));
      values.push_back(CsvNumber(s.mean));
      dat << " " << CsvNumber(s.mean);
    }
    dat << "\n";
    display.push_back(std::to_string(points.size()));
    values.push_back(std::to_string(points.size()));
    t.display.rows.push_back(display);
    t.values.rows.push_back(values);
  }
  const Summary theta_used = Summarize(used);
  t.display.notes.push_back("theta_r used for test: " + FormatSummary(theta_used, 3) + ".");
  std::string md = out.WriteTable(t) + Links(t);
  out.Write(stem + ".dat", dat.str());
  std::ostringstream gp;
  gp << "# theta_r curve of " << dataset << ": rendered by dts-report to SVG and PNG.\n"
     << "set title " << GnuplotQuote("RE on dev against theta_r (" + dataset + ")") << " noenhanced\n"
     << "set xlabel 'theta_r' noenhanced\nset ylabel 'score (%)'\nset grid\nset key outside right top "
        "noenhanced\n"
     << "set arrow from " << CsvNumber(theta_used.mean) << ", graph 0 to " << CsvNumber(theta_used.mean)
     << ", graph 1 nohead dashtype 2\n"
     << "plot '" << stem << ".dat' using 1:4 with linespoints title 'F1 micro', "
     << "'' using 1:7 with linespoints title 'F1 macro', "
     << "'' using 1:2 with lines dashtype 3 title 'P micro', "
     << "'' using 1:3 with lines dashtype 3 title 'R micro'\n";
  out.Write(stem + ".gp", gp.str());
  plots.push_back({stem, 820, 480});
  md += PlotMarkdown(stem, "theta_r curve");
  return md;
}

}  // namespace dts::reports
