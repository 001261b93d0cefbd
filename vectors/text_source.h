// Unlabelled in-domain text for dts-vectors: plain text (one sentence per line) or the ADE-NEG format of
// ADE-Corpus-V2 (`PubMed-ID NEG sentence`, one sentence per line).
#pragma once

#include <string>
#include <vector>

namespace dts::vectors {

// kAuto: a file is ADE-NEG when its first non-blank line has the ADE-NEG form (IsAdeNegLine), else plain.
enum class TextFormat { kAuto, kPlain, kAdeNeg };

// "auto", "plain", "ade-neg"; anything else throws UsageError.
TextFormat ParseTextFormat(const std::string& name);
std::string TextFormatName(TextFormat format);

// True when `line` is `DIGITS NEG sentence` (fields separated by spaces or tabs, sentence not blank); then
// `sentence` receives the sentence with surrounding blanks removed.
bool IsAdeNegLine(const std::string& line, std::string& sentence);

struct TextLine {
  long line = 0;  // 1-based line number in the file
  std::string text;
};

struct UnlabelledText {
  std::string path;
  TextFormat format = TextFormat::kPlain;  // as read: never kAuto
  std::vector<TextLine> sentences;         // blank lines skipped
};

// Reads `path`. A missing file, an ADE-NEG line of the wrong form (in ade-neg format, chosen or detected) and
// a file without any sentence are InputErrors naming the file (and line).
UnlabelledText ReadUnlabelledText(const std::string& path, TextFormat format);

}  // namespace dts::vectors
