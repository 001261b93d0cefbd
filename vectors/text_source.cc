#include "vectors/text_source.h"

#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "data/normalize.h"

namespace dts::vectors {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

bool IsBlankLine(const std::string& line) {
  for (char c : line)
    if (!IsBlank(c) && c != '\r' && c != '\f' && c != '\v') return false;
  return true;
}

std::string Shorten(const std::string& text) {
  return "'" + (text.size() > 60 ? text.substr(0, 57) + "..." : text) + "'";
}

}  // namespace

TextFormat ParseTextFormat(const std::string& name) {
  if (name == "auto") return TextFormat::kAuto;
  if (name == "plain") return TextFormat::kPlain;
  if (name == "ade-neg") return TextFormat::kAdeNeg;
  throw UsageError("--text-format '" + name + "' is not one of auto|plain|ade-neg");
}

std::string TextFormatName(TextFormat format) {
  switch (format) {
    case TextFormat::kAuto:
      return "auto";
    case TextFormat::kPlain:
      return "plain";
    case TextFormat::kAdeNeg:
      return "ade-neg";
  }
  return "?";
}

bool IsAdeNegLine(const std::string& line, std::string& sentence) {
  std::size_t i = 0;
  const std::size_t n = line.size();
  const std::size_t digits_begin = i;
  while (i < n && line[i] >= '0' && line[i] <= '9') ++i;
  if (i == digits_begin || i == n || !IsBlank(line[i])) return false;
  while (i < n && IsBlank(line[i])) ++i;
  if (line.compare(i, 3, "NEG") != 0) return false;
  i += 3;
  if (i == n || !IsBlank(line[i])) return false;
  while (i < n && IsBlank(line[i])) ++i;
  std::size_t end = n;
  while (end > i && (IsBlank(line[end - 1]) || line[end - 1] == '\r')) --end;
  if (end == i) return false;
  sentence = line.substr(i, end - i);
  return true;
}

UnlabelledText ReadUnlabelledText(const std::string& path, TextFormat format) {
  if (!std::filesystem::exists(path)) throw InputError(path, 0, "no such file");
  if (std::filesystem::is_directory(path)) throw InputError(path, 0, "is a directory, expected a text file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, "cannot open for reading");
  UnlabelledText text;
  text.path = path;
  text.format = format;
  std::string line;
  long number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    // fastText would train on any bytes, but the vectors' words must match the corpus's UTF-8 words and
    // be written as text: a line that is not UTF-8 is refused with its file and line, as the corpora are.
    if (number == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
    data::CheckTextLine(path, number, line);
    if (IsBlankLine(line)) continue;
    std::string sentence;
    const bool ade_neg = IsAdeNegLine(line, sentence);
    if (text.format == TextFormat::kAuto) text.format = ade_neg ? TextFormat::kAdeNeg : TextFormat::kPlain;
    if (text.format == TextFormat::kAdeNeg) {
      if (!ade_neg) {
        throw InputError(path, number,
                         "expected an ADE-NEG line 'PubMed-ID NEG sentence', found " + Shorten(line));
      }
      text.sentences.push_back({number, sentence});
    } else {
      text.sentences.push_back({number, line});
    }
  }
  if (in.bad()) throw InputError(path, number, "read error");
  if (text.sentences.empty()) throw InputError(path, 0, "no text (every line is blank)");
  return text;
}

}  // namespace dts::vectors
