#include "reports/references.h"

#include <cctype>
#include <fstream>
#include <map>
#include <sstream>

#include "common/error.h"
#include "reports/published_references.h"

namespace dts::reports {

std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return fields;
}

std::string NormalizeDatasetName(const std::string& name) {
  std::string out;
  for (unsigned char c : name) {
    if (std::isalnum(c)) out += static_cast<char>(std::tolower(c));
  }
  return out;
}

std::vector<const ReferenceRow*> MatchingReferences(const std::vector<ReferenceRow>& rows,
                                                    const std::string& dataset,
                                                    const std::string& averaging) {
  std::vector<const ReferenceRow*> out;
  for (const auto& row : rows) {
    if (NormalizeDatasetName(row.dataset) == NormalizeDatasetName(dataset) && row.averaging == averaging &&
        row.evaluation == "strict")
      out.push_back(&row);
  }
  return out;
}

std::vector<ReferenceRow> ReadReferences(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw IoError(path, "cannot open references file");
  return ParseReferences(in, path);
}

const std::vector<ReferenceRow>& PublishedReferences() {
  static const std::vector<ReferenceRow> rows = [] {
    std::istringstream in(kPublishedReferencesCsv);
    return ParseReferences(in, "reports/references/published.csv (built in)");
  }();
  return rows;
}

std::vector<ReferenceRow> MergeReferences(std::vector<ReferenceRow> base,
                                          const std::vector<ReferenceRow>& added) {
  for (const auto& row : added) {
    bool replaced = false;
    for (auto& old : base) {
      if (NormalizeDatasetName(old.dataset) == NormalizeDatasetName(row.dataset) &&
          old.system == row.system && old.averaging == row.averaging) {
        old = row;
        replaced = true;
      }
    }
    if (!replaced) base.push_back(row);
  }
  return base;
}

std::vector<ReferenceRow> LoadReferences(bool published, const std::vector<std::string>& files) {
  std::vector<ReferenceRow> rows;
  if (published) rows = PublishedReferences();
  for (const auto& file : files) rows = MergeReferences(std::move(rows), ReadReferences(file));
  return rows;
}

std::vector<ReferenceRow> ParseReferences(std::istream& in, const std::string& path) {
  static const char* const kColumns[] = {"dataset",    "system", "averaging",    "ner_precision",
                                         "ner_recall", "ner_f1", "re_precision", "re_recall",
                                         "re_f1",      "source"};
  std::map<std::string, std::size_t> column;
  std::vector<ReferenceRow> rows;
  std::string line;
  long number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    const auto fields = SplitCsvLine(line);
    if (column.empty()) {
      for (std::size_t i = 0; i < fields.size(); ++i) column[fields[i]] = i;
      for (const char* name : kColumns) {
        if (!column.count(name)) throw InputError(path, number, std::string("missing column '") + name + "'");
      }
      continue;
    }
    if (fields.size() != column.size()) {
      throw InputError(
          path, number,
          "expected " + std::to_string(column.size()) + " fields, found " + std::to_string(fields.size()));
    }
    const auto get = [&](const char* name) { return fields[column.at(name)]; };
    const auto score = [&](const char* name) -> std::optional<double> {
      const std::string text = get(name);
      if (text.empty()) return std::nullopt;
      std::size_t used = 0;
      double value = 0;
      try {
        value = std::stod(text, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != text.size())
        throw InputError(path, number, std::string(name) + " '" + text + "' is not a number");
      return value;
    };
    ReferenceRow row;
    row.dataset = get("dataset");
    row.system = get("system");
    row.averaging = get("averaging");
    if (row.averaging != "micro" && row.averaging != "macro") {
      throw InputError(path, number, "averaging '" + row.averaging + "' must be micro or macro");
    }
    if (column.count("evaluation") && !get("evaluation").empty()) row.evaluation = get("evaluation");
    if (row.evaluation != "strict" && row.evaluation != "boundaries" && row.evaluation != "relaxed") {
      throw InputError(path, number,
                       "evaluation '" + row.evaluation + "' must be strict, boundaries or relaxed");
    }
    row.ner_precision = score("ner_precision");
    row.ner_recall = score("ner_recall");
    row.ner_f1 = score("ner_f1");
    row.re_precision = score("re_precision");
    row.re_recall = score("re_recall");
    row.re_f1 = score("re_f1");
    row.source = get("source");
    if (row.source.empty()) throw InputError(path, number, "every reference row must cite its source");
    rows.push_back(row);
  }
  if (column.empty()) throw InputError(path, 0, "empty references file (no header)");
  return rows;
}

}  // namespace dts::reports
