#include "reports/html.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace dts::reports {
namespace {

namespace fs = std::filesystem;

bool StartsWith(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The data: URI of a report image, "" when neither it nor (for an SVG) the PNG of the same stem exists.
// Only plain names inside `dir` are embedded.
std::string ImageUri(const std::string& src, const std::string& dir) {
  if (src.empty() || src.find('/') != std::string::npos || src.find(':') != std::string::npos) return "";
  const fs::path path = fs::path(dir) / src;
  std::error_code ec;
  if (path.extension() == ".svg" && fs::is_regular_file(path, ec))
    return "data:image/svg+xml;base64," + Base64(ReadFile(path));
  fs::path png = path;
  png.replace_extension(".png");
  if (fs::is_regular_file(png, ec)) return "data:image/png;base64," + Base64(ReadFile(png));
  return "";
}

// Finds "](...)" after a "[" at `open`: sets the text and target, returns the index past ")", or npos.
std::size_t ParseLink(const std::string& text, std::size_t open, std::string& label, std::string& target) {
  const std::size_t close = text.find("](", open);
  if (close == std::string::npos) return std::string::npos;
  const std::size_t end = text.find(')', close + 2);
  if (end == std::string::npos) return std::string::npos;
  label = text.substr(open + 1, close - open - 1);
  target = text.substr(close + 2, end - close - 2);
  return end + 1;
}

std::string Inline(const std::string& text, const std::string& dir) {
  std::string out;
  bool bold = false;
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '`') {
      const std::size_t end = text.find('`', i + 1);
      if (end != std::string::npos) {
        out += "<code>" + HtmlEscape(text.substr(i + 1, end - i - 1)) + "</code>";
        i = end + 1;
        continue;
      }
    }
    if (c == '*' && i + 1 < text.size() && text[i + 1] == '*') {
      out += bold ? "</strong>" : "<strong>";
      bold = !bold;
      i += 2;
      continue;
    }
    if (c == '!' && i + 1 < text.size() && text[i + 1] == '[') {
      std::string alt, src;
      const std::size_t next = ParseLink(text, i + 1, alt, src);
      if (next != std::string::npos) {
        const std::string uri = ImageUri(src, dir);
        out += uri.empty() ? "<span class=\"missing\">[" + HtmlEscape(alt) + ": " + HtmlEscape(src) +
                                 " was not rendered]</span>"
                           : "<img src=\"" + uri + "\" alt=\"" + HtmlEscape(alt) + "\">";
        i = next;
        continue;
      }
    }
    if (c == '[') {
      std::string label, href;
      const std::size_t next = ParseLink(text, i, label, href);
      if (next != std::string::npos) {
        out += "<a href=\"" + HtmlEscape(href) + "\">" + Inline(label, dir) + "</a>";
        i = next;
        continue;
      }
    }
    if (c == '\\' && i + 1 < text.size() && text[i + 1] == '|') {
      out += '|';
      i += 2;
      continue;
    }
    out += HtmlEscape(std::string(1, c));
    ++i;
  }
  if (bold) out += "</strong>";
  return out;
}

// The cells of a pipe-table line ("| a | b \| c |").
std::vector<std::string> Cells(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  for (std::size_t i = 1; i < line.size(); ++i) {  // past the leading '|'
    if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '|') {
      cell += "\\|";  // kept escaped for Inline
      ++i;
    } else if (line[i] == '|') {
      const std::size_t b = cell.find_first_not_of(' '), e = cell.find_last_not_of(' ');
      cells.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
      cell.clear();
    } else {
      cell += line[i];
    }
  }
  return cells;
}

void Table(const std::vector<std::string>& lines, const std::string& dir, std::ostringstream& out) {
  const std::vector<std::string> header = Cells(lines[0]);
  std::vector<std::string> align(header.size(), "left");
  std::size_t first_row = 1;
  if (lines.size() > 1 && lines[1].find("--") != std::string::npos) {
    const auto marks = Cells(lines[1]);
    for (std::size_t i = 0; i < marks.size() && i < align.size(); ++i) {
      if (!marks[i].empty() && marks[i].back() == ':') align[i] = "right";
    }
    first_row = 2;
  }
  out << "<div class=\"wide\"><table>\n<thead><tr>";
  for (std::size_t i = 0; i < header.size(); ++i)
    out << "<th class=\"" << align[i] << "\">" << Inline(header[i], dir) << "</th>";
  out << "</tr></thead>\n<tbody>\n";
  for (std::size_t r = first_row; r < lines.size(); ++r) {
    const auto cells = Cells(lines[r]);
    out << "<tr>";
    for (std::size_t i = 0; i < cells.size(); ++i)
      out << "<td class=\"" << (i < align.size() ? align[i] : "left") << "\">" << Inline(cells[i], dir)
          << "</td>";
    out << "</tr>\n";
  }
  out << "</tbody>\n</table></div>\n";
}

constexpr const char* kStyle = R"css(
body { font-family: sans-serif; font-size: 14px; margin: 1.5em auto; max-width: 1280px; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.3em; border-bottom: 1px solid #ccc; } h3 { font-size: 1.05em; }
table { border-collapse: collapse; margin: 0.5em 0; }
div.wide { overflow-x: auto; }
th, td { border: 1px solid #ccc; padding: 2px 6px; white-space: nowrap; }
th { background: #f0f0f0; }
td.right, th.right { text-align: right; font-variant-numeric: tabular-nums; }
td.left, th.left { text-align: left; }
img { max-width: 100%; height: auto; display: block; margin: 0.5em 0; }
ul { margin-top: 0.3em; } li { margin: 0.15em 0; }
code { background: #f4f4f4; padding: 0 3px; }
.missing { color: #a00; }
)css";

}  // namespace

std::string HtmlEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Base64(const std::string& bytes) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[v & 63] : '=';
  }
  return out;
}

std::string MarkdownToHtml(const std::string& markdown, const std::string& title, const std::string& dir) {
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" << HtmlEscape(title)
      << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n";
  std::vector<std::string> lines;
  {
    std::istringstream in(markdown);
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
  }
  std::string paragraph;
  const auto flush = [&] {
    if (!paragraph.empty()) out << "<p>" << Inline(paragraph, dir) << "</p>\n";
    paragraph.clear();
  };
  for (std::size_t i = 0; i < lines.size();) {
    const std::string& line = lines[i];
    if (line.empty()) {
      flush();
      ++i;
    } else if (line[0] == '#') {
      flush();
      std::size_t level = line.find_first_not_of('#');
      const std::string text = level == std::string::npos ? "" : line.substr(level + (line[level] == ' '));
      if (level == std::string::npos || level > 6) level = 6;
      out << "<h" << level << ">" << Inline(text, dir) << "</h" << level << ">\n";
      ++i;
    } else if (line[0] == '|') {
      flush();
      std::vector<std::string> table;
      while (i < lines.size() && !lines[i].empty() && lines[i][0] == '|') table.push_back(lines[i++]);
      Table(table, dir, out);
    } else if (StartsWith(line, "- ")) {
      flush();
      out << "<ul>\n";
      while (i < lines.size() && StartsWith(lines[i], "- "))
        out << "<li>" << Inline(lines[i++].substr(2), dir) << "</li>\n";
      out << "</ul>\n";
    } else {
      paragraph += (paragraph.empty() ? "" : " ") + line;
      ++i;
    }
  }
  flush();
  out << "</body>\n</html>\n";
  return out.str();
}

}  // namespace dts::reports
