#include "reports/output.h"

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "reports/html.h"
#include "reports/stats.h"

namespace dts::reports {

namespace fs = std::filesystem;

std::string Fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string Signed(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%+.2f", value);
  return buffer;
}

std::string OptionalFixed(const std::optional<double>& v) { return v ? Fixed(*v) : "–"; }

std::string OptionalCsv(const std::optional<double>& v) { return v ? CsvNumber(*v) : ""; }

std::string FormatP(const std::optional<double>& p) {
  if (!p) return "–";
  return *p < 0.001 ? "<0.001" : Fixed(*p, 3);
}

std::string ShortId(const std::string& id) { return id.size() > 8 ? id.substr(0, 8) : id; }

std::string FileStem(const std::string& text) {
  std::string out;
  for (unsigned char c : text) out += std::isalnum(c) ? static_cast<char>(std::tolower(c)) : '_';
  return out.empty() ? "unnamed" : out;
}

std::string CountCell(int completed, int planned, const std::string& unit) {
  if (completed == planned) return std::to_string(completed);
  std::string cell = std::to_string(completed) + "/" + std::to_string(planned);
  return unit.empty() ? cell : cell + " " + unit;
}

std::vector<Table> DisplayParts(const ReportTable& t) {
  if (t.split_column < 0) return {t.display};
  const auto column = static_cast<std::size_t>(t.split_column);
  std::vector<Table> parts;
  std::vector<std::string> values;
  for (const auto& row : t.display.rows) {
    const std::string& value = row.at(column);
    std::size_t i = 0;
    while (i < values.size() && values[i] != value) ++i;
    if (i == values.size()) {
      values.push_back(value);
      Table part;
      part.name = t.display.name + "_" + FileStem(value);
      part.title = t.display.title + " — " + t.split_title_prefix + value;
      for (std::size_t c = 0; c < t.display.columns.size(); ++c) {
        if (c != column) part.columns.push_back(t.display.columns[c]);
      }
      parts.push_back(part);
    }
    std::vector<std::string> cells;
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c != column) cells.push_back(row[c]);
    }
    parts[i].rows.push_back(cells);
  }
  if (parts.empty()) {
    parts.push_back(t.display);
  } else {
    parts.back().notes = t.display.notes;  // the notes once, under the last part
  }
  return parts;
}

OutputDir::OutputDir(std::string dir) : dir_(std::move(dir)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw IoError(dir_, "cannot create the report directory: " + ec.message());
}

void OutputDir::Write(const std::string& name, const std::string& text) {
  const fs::path path = fs::path(dir_) / name;
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) throw IoError(path.string(), "cannot write");
  files_.push_back(name);
}

std::string OutputDir::WriteTable(const ReportTable& t) {
  std::string md, tex;
  for (const Table& part : DisplayParts(t)) {
    md += (md.empty() ? "" : "\n") + ToMarkdown(part);
    tex += (tex.empty() ? "" : "\n") + ToLatex(part);
  }
  Write(t.display.name + ".md", md);
  Write(t.display.name + ".tex", tex);
  Write(t.values.name + ".csv", ToCsv(t.values));
  return md;
}

void OutputDir::RenderPlots(const std::vector<PlotSpec>& plots, std::vector<std::string>& warnings) {
  if (plots.empty()) return;
  if (!GnuplotAvailable()) {
    warnings.push_back(dir_ + ": gnuplot not found on PATH; plots skipped (data and .gp scripts written)");
    return;
  }
  for (const auto& plot : plots) {
    for (const auto& file : RenderPlot(dir_, plot, warnings)) files_.push_back(file);
  }
}

void OutputDir::WriteIndex(const std::string& markdown, const std::string& title) {
  Write("index.md", markdown);
  Write("index.html", MarkdownToHtml(markdown, title, dir_));
}

std::string Links(const ReportTable& t) {
  return "\n[CSV](" + t.values.name + ".csv) · [LaTeX](" + t.display.name + ".tex) · [Markdown](" +
         t.display.name + ".md)\n\n";
}

std::string PlotMarkdown(const std::string& stem, const std::string& alt) {
  return "![" + alt + "](" + stem + ".svg)\n\n[PNG](" + stem + ".png) · [data](" + stem +
         ".dat) · [gnuplot](" + stem + ".gp)\n\n";
}

}  // namespace dts::reports
