// Published results shown as reference rows under the sweep's own results (reports/references/*.csv).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace dts::reports {

// One published row. Scores in percent; nullopt where the source does not give the figure.
struct ReferenceRow {
  std::string dataset;    // matched to the sweep's dataset names ignoring case and punctuation ("CoNLL04")
  std::string system;     // "Crone (2020)"
  std::string averaging;  // "micro" or "macro"
  std::optional<double> ner_precision, ner_recall, ner_f1, re_precision, re_recall, re_f1;
  std::string source;  // the citation
};

// CSV with the header: dataset,system,averaging,ner_precision,ner_recall,ner_f1,re_precision,re_recall,re_f1,
// source (any order; '#' lines are comments). Throws InputError naming file:line for a missing column, a
// wrong field count, an averaging other than micro/macro or a non-numeric score.
std::vector<ReferenceRow> ReadReferences(const std::string& path);

// Splits one CSV record (RFC 4180 quoting, no embedded newlines).
std::vector<std::string> SplitCsvLine(const std::string& line);

// "CoNLL-04" -> "conll04": how dataset names are compared.
std::string NormalizeDatasetName(const std::string& name);

}  // namespace dts::reports
