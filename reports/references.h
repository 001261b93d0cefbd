// Published results shown as reference rows under the sweep's own results (reports/references/*.csv).
// reports/references/published.csv is built into the report (PublishedReferences): its ADE and CoNLL04 rows
// appear by default; --references files add rows, and replace a built-in row of the same dataset, system and
// averaging.
#pragma once

#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace dts::reports {

// One published row. Scores in percent; nullopt where the source does not give the figure.
struct ReferenceRow {
  std::string dataset;    // matched to the sweep's dataset names ignoring case and punctuation ("CoNLL04")
  std::string system;     // "Crone (2020)"
  std::string averaging;  // "micro" or "macro"
  std::string evaluation = "strict";  // the matching rule: "strict" (dts's), "boundaries" or "relaxed"
  std::optional<double> ner_precision, ner_recall, ner_f1, re_precision, re_recall, re_f1;
  std::string source;  // the citation
};

// CSV with the header: dataset,system,averaging,ner_precision,ner_recall,ner_f1,re_precision,re_recall,re_f1,
// source, and optionally evaluation (default strict), in any order; '#' lines are comments. Throws InputError
// naming file:line for a missing column, a wrong field count, an averaging other than micro/macro, an
// evaluation other than strict/boundaries/relaxed, a non-numeric score or a row without a source.
std::vector<ReferenceRow> ReadReferences(const std::string& path);
// The same from a stream; `name` is the file name errors give.
std::vector<ReferenceRow> ParseReferences(std::istream& in, const std::string& name);

// The rows of reports/references/published.csv, compiled into the library (parsed once).
const std::vector<ReferenceRow>& PublishedReferences();

// `base` with `added` merged in: an added row replaces a base row of the same dataset (normalized), system
// and averaging, and is appended otherwise.
std::vector<ReferenceRow> MergeReferences(std::vector<ReferenceRow> base,
                                          const std::vector<ReferenceRow>& added);

// Splits one CSV record (RFC 4180 quoting, no embedded newlines).
std::vector<std::string> SplitCsvLine(const std::string& line);

// The rows to show beside dts's `averaging` scores on `dataset`: same dataset (normalized), same averaging,
// strict evaluation (dts's), in `rows` order.
std::vector<const ReferenceRow*> MatchingReferences(const std::vector<ReferenceRow>& rows,
                                                    const std::string& dataset, const std::string& averaging);

// The reference rows of a report: the built-in published rows (when `published`), then each file's rows
// merged in (MergeReferences).
std::vector<ReferenceRow> LoadReferences(bool published, const std::vector<std::string>& files);

// "CoNLL-04" -> "conll04": how dataset names are compared.
std::string NormalizeDatasetName(const std::string& name);

}  // namespace dts::reports
