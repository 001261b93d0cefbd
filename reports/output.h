// The report's output directory and the pieces every table and plot of it shares: a table built once for
// display and once as values, its files (Markdown, LaTeX, CSV), the rounding of displayed figures, the plots
// (gnuplot, SVG + PNG) and the index (index.md and a self-contained index.html).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reports/plots.h"
#include "reports/table.h"

namespace dts::reports {

// A table as built for display (Markdown, LaTeX) and as values (CSV).
struct ReportTable {
  Table display;
  Table values;
  // >= 0: the display table is split into one table per value of this column (in first-seen order), the
  // column dropped and the value put in each part's title, all parts in one NAME.md and NAME.tex. The report
  // splits by evaluation setting, so published rows are never shown beside rows of another setting.
  int split_column = -1;
  std::string split_title_prefix;  // prepended to the value in each part's title: "evaluation: "
};

// Display formatting.
std::string Fixed(double value, int decimals = 2);
std::string Signed(double value);                           // "+1.25"
std::string OptionalFixed(const std::optional<double>& v);  // "–" for none
std::string OptionalCsv(const std::optional<double>& v);    // "" for none
std::string FormatP(const std::optional<double>& p);        // "0.012", "<0.001", "–"
std::string ShortId(const std::string& id);                 // the first 8 characters
std::string FileStem(const std::string& text);              // lower-case letters, digits and '_'
// "10" when complete, else "3/10 folds".
std::string CountCell(int completed, int planned, const std::string& unit);

// The display tables a ReportTable renders to (one, or one per value of its split column).
std::vector<Table> DisplayParts(const ReportTable& t);

class OutputDir {
 public:
  // Creates the directory; throws IoError when it cannot.
  explicit OutputDir(std::string dir);
  const std::string& dir() const { return dir_; }
  // Writes DIR/name; throws IoError naming the file when it cannot.
  void Write(const std::string& name, const std::string& text);
  // Writes NAME.md, NAME.tex and NAME.csv; returns the Markdown.
  std::string WriteTable(const ReportTable& t);
  // Renders each plot's script to SVG and PNG (plots.h); a missing gnuplot or a failed script becomes a
  // warning. The rendered files join files().
  void RenderPlots(const std::vector<PlotSpec>& plots, std::vector<std::string>& warnings);
  // Writes index.md and, from it, the self-contained index.html (html.h).
  void WriteIndex(const std::string& markdown, const std::string& title);
  std::vector<std::string>& files() { return files_; }

 private:
  std::string dir_;
  std::vector<std::string> files_;
};

// The Markdown links of a table's other renderings, for index.md.
std::string Links(const ReportTable& t);

// The Markdown of a rendered plot: the SVG as the image, a link to the PNG.
std::string PlotMarkdown(const std::string& stem, const std::string& alt);

}  // namespace dts::reports
