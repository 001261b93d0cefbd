// A report table and its three renderings. Each table of the report is built once as a Table of display
// strings (Markdown, LaTeX) and once as a Table of full-precision values (CSV), by the same function.
#pragma once

#include <string>
#include <vector>

namespace dts::reports {

struct Table {
  std::string name;   // file stem in DIR/report/ ("results"), and the LaTeX label ("tab:results")
  std::string title;  // caption
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;  // each as long as `columns`
  std::vector<std::string> notes;              // shown under the table (Markdown) or after it (LaTeX)
};

// GitHub-flavoured Markdown: "### title", a pipe table, notes as a list.
std::string ToMarkdown(const Table& table);
// A booktabs table environment (\toprule, \midrule, \bottomrule) with every cell escaped; "±" becomes $\pm$.
std::string ToLatex(const Table& table);
// RFC 4180: a header row, then the rows; fields with a comma, quote or newline are quoted.
std::string ToCsv(const Table& table);

// Escapes LaTeX's special characters (\ & % $ # _ { } ~ ^ < >) and maps "±", "–", "Δ", "†" and "‡" to their
// LaTeX forms.
std::string LatexEscape(const std::string& text);
std::string CsvField(const std::string& text);

}  // namespace dts::reports
