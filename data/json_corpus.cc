// The common joint-extraction JSON format. nlohmann::json gives no positions for parsed values, so a small
// scan of the raw text finds the line where each top-level element starts; errors then name both.
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "data/atomic_file.h"
#include "data/normalize.h"
#include "data/reader_util.h"
#include "data/readers.h"

namespace dts::data {
namespace {

using nlohmann::json;

long LineAt(const std::string& text, std::size_t byte) {
  long line = 1;
  for (std::size_t i = 0; i < byte && i < text.size(); ++i) line += text[i] == '\n';
  return line;
}

// Line of each value directly inside the top-level array, in order. Only called on text that parsed.
std::vector<long> ElementLines(const std::string& text) {
  std::vector<long> lines;
  long line = 1;
  int depth = 0;
  bool in_string = false;
  bool expect_value = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') ++line;
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    if (depth == 1 && expect_value) {
      lines.push_back(line);
      expect_value = false;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth == 1) expect_value = true;
    } else if (c == ']' || c == '}') {
      --depth;
    } else if (c == ',' && depth == 1) {
      expect_value = true;
    }
  }
  return lines;
}

// Refuses raw bytes no JSON parser should see (NUL, invalid UTF-8) with their line and column, before
// nlohmann::json's own message would quote the offending bytes.
void CheckRawText(const std::string& path, const std::string& text) {
  const std::size_t pos = internal::FindBadByte(text);
  if (pos == std::string::npos) return;
  const std::size_t line_start = pos == 0 ? std::string::npos : text.rfind('\n', pos - 1);
  const std::size_t column = line_start == std::string::npos ? pos + 1 : pos - line_start;
  throw InputError(path, LineAt(text, pos), internal::BadByteMessage(text[pos], column));
}

constexpr std::int64_t kMaxIndex = 1000000000;

class ElementReader {
 public:
  ElementReader(const std::string& path, long line, std::size_t index)
      : path_(path), line_(line), index_(index) {}

  [[noreturn]] void Fail(const std::string& what) const {
    throw InputError(path_, line_, "element " + std::to_string(index_) + ": " + what);
  }

  const json& Field(const json& object, const char* key, const std::string& where) const {
    const auto it = object.find(key);
    if (it == object.end()) Fail(where + "missing \"" + key + "\"");
    return *it;
  }
  // An integer in [0, kMaxIndex]. JSON integers above 2^63 - 1 are unsigned in nlohmann::json: read as a
  // signed value they would wrap (2^64 - 1 to -1), so the range is checked on the value as parsed.
  int Index(const json& value, const std::string& what) const {
    if (!value.is_number_integer()) Fail(what + " is not an integer");
    const bool in_range = value.is_number_unsigned()
                              ? value.get<std::uint64_t>() <= static_cast<std::uint64_t>(kMaxIndex)
                              : value.get<std::int64_t>() >= 0 && value.get<std::int64_t>() <= kMaxIndex;
    if (!in_range)
      Fail(what + " = " + value.dump() + " is out of range [0, " + std::to_string(kMaxIndex) + "]");
    return static_cast<int>(value.get<std::int64_t>());
  }
  int Int(const json& object, const char* key, const std::string& where) const {
    return Index(Field(object, key, where), where + "\"" + key + "\"");
  }
  // A string without NUL characters (a "\u0000" escape): no later stage can carry them.
  std::string Text(const json& value, const std::string& what) const {
    std::string text = value.get<std::string>();
    if (text.find('\0') != std::string::npos) Fail(what + " contains a NUL character (\\u0000)");
    return text;
  }
  std::string String(const json& object, const char* key, const std::string& where) const {
    const json& value = Field(object, key, where);
    if (!value.is_string() || value.get<std::string>().empty())
      Fail(where + "\"" + key + "\" is not a non-empty string");
    return Text(value, where + "\"" + key + "\"");
  }

  Sentence Read(const json& element, const std::string& default_id, ReadReport& report) const {
    if (!element.is_object()) Fail("not an object");
    Sentence s;
    s.id = default_id;
    if (element.contains("id")) {  // other tools write numeric ids
      const json& id = element["id"];
      if (id.is_string() && !id.get<std::string>().empty()) {
        s.id = Text(id, "\"id\"");
      } else if (id.is_number_integer()) {
        s.id = id.dump();  // exact, unsigned values above 2^63 - 1 included
      } else {
        Fail("\"id\" is neither a non-empty string nor an integer");
      }
    }
    const json& tokens = Field(element, "tokens", "");
    if (!tokens.is_array()) Fail("\"tokens\" is not a list");
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      if (!tokens[i].is_string() || tokens[i].get<std::string>().empty()) {
        Fail("tokens[" + std::to_string(i) + "] is not a non-empty string");
      }
      s.tokens.push_back(Token{Text(tokens[i], "tokens[" + std::to_string(i) + "]"), -1, -1});
    }
    if (s.tokens.empty()) Fail("\"tokens\" is empty");
    const int n = static_cast<int>(s.tokens.size());
    if (element.contains("text")) {
      if (!element["text"].is_string()) Fail("\"text\" is not a string");
      s.text = Text(element["text"], "\"text\"");
    }
    if (element.contains("offsets")) {
      const json& offsets = element["offsets"];
      if (!offsets.is_array() || offsets.size() != tokens.size())
        Fail("\"offsets\" is not a list as long as \"tokens\"");
      for (int i = 0; i < n; ++i) {
        const json& pair = offsets[i];
        const std::string where = "offsets[" + std::to_string(i) + "]";
        if (!pair.is_array() || pair.size() != 2 || !pair[0].is_number_integer() ||
            !pair[1].is_number_integer()) {
          Fail(where + " is not [begin, end]");
        }
        const int b = Index(pair[0], where + "[0]");
        const int e = Index(pair[1], where + "[1]");
        if (e < b || e > static_cast<int>(s.text.size())) {
          Fail("offsets[" + std::to_string(i) + "] lies outside \"text\"");
        }
        s.tokens[i].begin = b;
        s.tokens[i].end = e;
      }
    }
    const json& entities = Field(element, "entities", "");
    if (!entities.is_array()) Fail("\"entities\" is not a list");
    for (std::size_t i = 0; i < entities.size(); ++i) {
      const std::string where = "entities[" + std::to_string(i) + "]: ";
      if (!entities[i].is_object()) Fail(where + "not an object");
      Entity e{String(entities[i], "type", where), Int(entities[i], "start", where),
               Int(entities[i], "end", where)};
      if (e.start >= e.end || e.end > n) {
        Fail(where + "span [" + std::to_string(e.start) + ", " + std::to_string(e.end) +
             ") is not inside the " + std::to_string(n) + " tokens (end is exclusive)");
      }
      s.entities.push_back(e);
    }
    const int m = static_cast<int>(s.entities.size());
    if (element.contains("relations")) {
      const json& relations = element["relations"];
      if (!relations.is_array()) Fail("\"relations\" is not a list");
      for (std::size_t i = 0; i < relations.size(); ++i) {
        const std::string where = "relations[" + std::to_string(i) + "]: ";
        if (!relations[i].is_object()) Fail(where + "not an object");
        Relation r{String(relations[i], "type", where), Int(relations[i], "head", where),
                   Int(relations[i], "tail", where)};
        if (r.head >= m || r.tail >= m) {
          Fail(where + "head/tail " + std::to_string(r.head) + "/" + std::to_string(r.tail) + " but only " +
               std::to_string(m) + " entities");
        }
        s.relations.push_back(r);
      }
    }
    NormalizeSentence(s, report);
    return s;
  }

 private:
  const std::string& path_;
  long line_;
  std::size_t index_;
};

}  // namespace

Corpus ReadJson(const std::string& path) {
  std::ifstream in = internal::OpenInput(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  CheckRawText(path, text);
  json document;
  try {
    document = json::parse(text);
  } catch (const json::parse_error& e) {
    // e.what() starts with "[json.exception.parse_error.101] parse error at line L, column C: "; keep the
    // reason.
    std::string what = e.what();
    const std::size_t colon = what.find(": ", what.find("parse error"));
    if (colon != std::string::npos) what = what.substr(colon + 2);
    throw InputError(path, LineAt(text, e.byte == 0 ? 0 : e.byte - 1), "invalid JSON: " + what);
  } catch (const json::exception& e) {
    // Not a syntax error but a value the parser cannot hold, e.g. out_of_range.406 for a number like 1e999
    // (found by fuzz/fuzz_json).
    std::string what = e.what();
    const std::size_t bracket = what.find("] ");
    if (bracket != std::string::npos) what = what.substr(bracket + 2);
    throw InputError(path, 0, "invalid JSON: " + what);
  }
  if (!document.is_array()) throw InputError(path, 1, "expected a JSON list of sentences");
  if (document.empty()) throw InputError(path, 0, "an empty list: the corpus has no sentences");
  const std::vector<long> lines = ElementLines(text);
  Corpus corpus;
  corpus.name = path;
  const std::string stem = internal::FileStem(path);
  for (std::size_t i = 0; i < document.size(); ++i) {
    const ElementReader reader(path, i < lines.size() ? lines[i] : 0, i);
    corpus.sentences.push_back(reader.Read(document[i], stem + ":" + std::to_string(i), corpus.report));
  }
  return corpus;
}

void WriteJson(const Corpus& corpus, const std::string& path) {
  WriteFileAtomically(path, [&](std::ostream& out) {
    out << "[\n";
    for (std::size_t i = 0; i < corpus.sentences.size(); ++i) {
      const Sentence& s = corpus.sentences[i];
      nlohmann::ordered_json element;
      element["id"] = s.id;
      element["tokens"] = json::array();
      bool has_offsets = !s.tokens.empty();
      for (const Token& t : s.tokens) {
        element["tokens"].push_back(t.text);
        has_offsets = has_offsets && t.begin >= 0;
      }
      element["entities"] = json::array();
      for (const Entity& e : s.entities) {
        element["entities"].push_back(
            nlohmann::ordered_json{{"type", e.type}, {"start", e.start}, {"end", e.end}});
      }
      element["relations"] = json::array();
      for (const Relation& r : s.relations) {
        element["relations"].push_back(
            nlohmann::ordered_json{{"type", r.type}, {"head", r.head}, {"tail", r.tail}});
      }
      if (!s.text.empty()) element["text"] = s.text;
      if (has_offsets && !s.text.empty()) {
        element["offsets"] = json::array();
        for (const Token& t : s.tokens) element["offsets"].push_back({t.begin, t.end});
      }
      std::string line;
      try {
        line = element.dump();
      } catch (const json::type_error& e) {  // invalid UTF-8, which no reader lets in
        throw Error(path + ": element " + std::to_string(i) + ": cannot be written as JSON: " + e.what());
      }
      out << line << (i + 1 < corpus.sentences.size() ? ",\n" : "\n");
    }
    out << "]\n";
  });
}

}  // namespace dts::data
