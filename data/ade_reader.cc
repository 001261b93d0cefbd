// ADE-Corpus-V2 DRUG-AE.rel. The offsets are relative to the document "PubMed-ID\n\nTitle\n\nAbstract", and
// the sentence's own start in that document is not given, so each sentence's start is recovered by voting:
// every occurrence of every mention text in the sentence proposes (document offset - position in sentence),
// and the proposal most mentions agree with wins. A mention that is not at the winning position (its offset
// is off, or inconsistent with the other mentions of its sentence) is an error at its row: the real corpus
// has none, and guessing which occurrence was meant would silently change the annotation.
#include <map>
#include <tuple>
#include <utility>

#include "data/normalize.h"
#include "data/reader_util.h"
#include "data/readers.h"
#include "data/tokenizer.h"

namespace dts::data {
namespace {

using internal::Quote;

constexpr const char* kEffect = "Adverse-Effect";
constexpr const char* kDrug = "Drug";

struct Mention {
  std::string text;   // trimmed
  int doc_begin = 0;  // adjusted for the trimming
  bool trimmed = false;
};

struct Row {
  long line = 0;
  Mention effect;
  Mention drug;
};

struct Group {
  std::string pubmed_id;
  std::string text;
  std::vector<Row> rows;
};

Mention ParseMention(const std::string& path, long line, const char* role, const std::string& text,
                     const std::string& begin_text, const std::string& end_text) {
  int begin = 0;
  int end = 0;
  if (!internal::ParseIndex(begin_text, begin)) {
    throw InputError(
        path, line,
        std::string(role) + " begin offset " + Quote(begin_text) + " is not a non-negative integer");
  }
  if (!internal::ParseIndex(end_text, end)) {
    throw InputError(path, line,
                     std::string(role) + " end offset " + Quote(end_text) + " is not a non-negative integer");
  }
  if (end < begin) {
    throw InputError(
        path, line,
        std::string(role) + " offsets " + begin_text + ".." + end_text + " end before they begin");
  }
  const std::size_t first = text.find_first_not_of(" \t");
  if (first == std::string::npos) throw InputError(path, line, std::string(role) + " mention is empty");
  // end - begin is the length of the mention text as written (spaces included) in every row of the real file.
  if (static_cast<std::size_t>(end - begin) != text.size()) {
    throw InputError(path, line,
                     std::string(role) + " offsets " + begin_text + ".." + end_text + " span " +
                         std::to_string(end - begin) + " bytes, but " + Quote(text) + " has " +
                         std::to_string(text.size()));
  }
  const std::size_t last = text.find_last_not_of(" \t");
  Mention m;
  m.text = text.substr(first, last - first + 1);
  m.doc_begin = begin + static_cast<int>(first);
  m.trimmed = m.text.size() != text.size();
  return m;
}

std::vector<int> Occurrences(const std::string& sentence, const std::string& mention) {
  std::vector<int> found;
  for (std::size_t pos = sentence.find(mention); pos != std::string::npos;
       pos = sentence.find(mention, pos + 1)) {
    found.push_back(static_cast<int>(pos));
  }
  return found;
}

// Token span [start, end) covering characters [begin, end); widened when a boundary falls inside a token.
std::pair<int, int> CoveringTokens(const std::vector<Token>& tokens, int begin, int end, bool& widened) {
  int start = -1;
  int stop = -1;
  for (int i = 0; i < static_cast<int>(tokens.size()); ++i) {
    if (start < 0 && tokens[i].end > begin) start = i;
    if (tokens[i].begin < end) stop = i + 1;
  }
  widened = start < 0 || stop <= start || tokens[start].begin != begin || tokens[stop - 1].end != end;
  return {start, stop};
}

Sentence BuildSentence(const std::string& path, const Group& group, const std::string& id,
                       ReadReport& report) {
  Sentence sentence;
  sentence.id = id;
  sentence.text = group.text;
  sentence.tokens = Tokenize(group.text);

  // Vote for the sentence's document offset.
  std::map<long, int> votes;
  std::vector<long> first_seen;
  for (const Row& row : group.rows) {
    for (const Mention* m : {&row.effect, &row.drug}) {
      const std::vector<int> occurrences = Occurrences(group.text, m->text);
      if (occurrences.empty()) {
        throw InputError(path, row.line,
                         std::string(m == &row.effect ? "adverse-effect " : "drug ") + Quote(m->text) +
                             " does not occur in its sentence");
      }
      for (int pos : occurrences) {
        const long base = static_cast<long>(m->doc_begin) - pos;
        if (votes[base]++ == 0) first_seen.push_back(base);
      }
    }
  }
  long base = first_seen.front();
  for (long candidate : first_seen) {
    if (votes[candidate] > votes[base]) base = candidate;
  }

  std::map<std::tuple<std::string, int, int>, int> entity_index;
  auto add_entity = [&](const Row& row, const Mention& m, const char* type) {
    const long expected = m.doc_begin - base;
    if (expected < 0 || expected + static_cast<long>(m.text.size()) > static_cast<long>(group.text.size()) ||
        group.text.compare(expected, m.text.size(), m.text) != 0) {
      std::string found;
      for (int pos : Occurrences(group.text, m.text))
        found += (found.empty() ? "" : ", ") + std::to_string(pos);
      throw InputError(
          path, row.line,
          std::string(&m == &row.effect ? "adverse-effect " : "drug ") + Quote(m.text) +
              " at document offset " + std::to_string(m.doc_begin) +
              " disagrees with the other mentions of its sentence (they put it at sentence offset " +
              std::to_string(expected) + "; it occurs at " + found + ")");
    }
    const int begin = static_cast<int>(expected);
    if (m.trimmed) ++report.trimmed_mentions;
    bool widened = false;
    const auto [start, end] =
        CoveringTokens(sentence.tokens, begin, begin + static_cast<int>(m.text.size()), widened);
    if (start < 0 || end <= start) {
      throw InputError(path, row.line, std::string(type) + " mention " + Quote(m.text) + " covers no token");
    }
    if (widened) ++report.widened_mentions;
    auto [it, inserted] = entity_index.emplace(std::make_tuple(std::string(type), start, end),
                                               static_cast<int>(sentence.entities.size()));
    if (inserted) sentence.entities.push_back(Entity{type, start, end});
    return it->second;
  };
  for (const Row& row : group.rows) {
    const int effect = add_entity(row, row.effect, kEffect);
    const int drug = add_entity(row, row.drug, kDrug);
    sentence.relations.push_back(Relation{kEffect, effect, drug});
  }
  NormalizeSentence(sentence, report);
  return sentence;
}

}  // namespace

Corpus ReadAde(const std::string& path) {
  internal::LineReader in(path);
  std::vector<Group> groups;
  std::map<std::pair<std::string, std::string>, int> group_index;
  Corpus corpus;
  corpus.name = path;
  std::string line;
  while (in.Next(line)) {
    const long line_number = in.line();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::vector<std::string> fields = internal::SplitOn(line, '|');
    if (fields.size() < 8) {
      throw InputError(
          path, line_number,
          "expected 8 '|'-separated fields (PubMed-ID|sentence|adverse-effect|begin|end|drug|begin|end), "
          "found " +
              std::to_string(fields.size()));
    }
    // A '|' inside the sentence: the first field is the id and the last six are the mentions.
    std::string text = fields[1];
    for (std::size_t i = 2; i + 6 < fields.size(); ++i) text += "|" + fields[i];
    const std::size_t m = fields.size() - 6;
    if (fields[0].empty()) throw InputError(path, line_number, "empty PubMed-ID");
    if (text.find_first_not_of(" \t") == std::string::npos)
      throw InputError(path, line_number, "empty sentence");
    Row row;
    row.line = line_number;
    row.effect = ParseMention(path, line_number, "adverse-effect", fields[m], fields[m + 1], fields[m + 2]);
    row.drug = ParseMention(path, line_number, "drug", fields[m + 3], fields[m + 4], fields[m + 5]);
    auto [it, inserted] =
        group_index.emplace(std::make_pair(fields[0], text), static_cast<int>(groups.size()));
    if (inserted) groups.push_back(Group{fields[0], text, {}});
    groups[it->second].rows.push_back(std::move(row));
    ++corpus.report.source_rows;
  }
  if (groups.empty()) throw InputError(path, 0, "no rows: the corpus is empty");

  std::map<std::string, int> sentences_per_document;
  for (const Group& group : groups) {
    const std::string id = group.pubmed_id + ":" + std::to_string(sentences_per_document[group.pubmed_id]++);
    corpus.sentences.push_back(BuildSentence(path, group, id, corpus.report));
  }
  return corpus;
}

}  // namespace dts::data
