// CoNLL04 in the column format of the multi-head-selection release: "#doc N" opens a sentence, then one token
// per line: index, token, BIO tag, relation labels, head indices, tab-separated. A relation sits on the last
// token of its first argument and points at the last token of its second; 'N' means none.
#include "data/bio.h"
#include "data/normalize.h"
#include "data/reader_util.h"
#include "data/readers.h"

namespace dts::data {
namespace {

using internal::Quote;

struct PendingRelation {
  long line = 0;
  std::string type;
  int from_token = 0;  // last token of the first argument
  int to_token = 0;    // last token of the second argument
};

// "['Work_For', 'Live_In']" -> {"Work_For", "Live_In"}; false when malformed.
bool ParseLabelList(const std::string& text, std::vector<std::string>& labels) {
  labels.clear();
  if (text.size() < 2 || text.front() != '[' || text.back() != ']') return false;
  std::size_t i = 1;
  const std::size_t stop = text.size() - 1;
  auto skip_spaces = [&] {
    while (i < stop && text[i] == ' ') ++i;
  };
  skip_spaces();
  if (i == stop) return true;
  while (true) {
    if (i >= stop || (text[i] != '\'' && text[i] != '"')) return false;
    const char quote = text[i++];
    const std::size_t close = text.find(quote, i);
    if (close == std::string::npos || close >= stop || close == i) return false;
    labels.push_back(text.substr(i, close - i));
    i = close + 1;
    skip_spaces();
    if (i == stop) return true;
    if (text[i] != ',') return false;
    ++i;
    skip_spaces();
  }
}

// "[22, 8]" -> {22, 8}.
bool ParseIndexList(const std::string& text, std::vector<int>& indices) {
  indices.clear();
  if (text.size() < 2 || text.front() != '[' || text.back() != ']') return false;
  const std::string inner = text.substr(1, text.size() - 2);
  if (inner.find_first_not_of(' ') == std::string::npos) return true;
  for (const std::string& item : internal::SplitOn(inner, ',')) {
    const std::size_t first = item.find_first_not_of(' ');
    const std::size_t last = item.find_last_not_of(' ');
    if (first == std::string::npos) return false;
    int value = 0;
    if (!internal::ParseIndex(item.substr(first, last - first + 1), value)) return false;
    indices.push_back(value);
  }
  return true;
}

bool ValidTag(const std::string& tag) {
  return tag == "O" || (tag.size() > 2 && (tag.compare(0, 2, "B-") == 0 || tag.compare(0, 2, "I-") == 0));
}

class Conll04Reader {
 public:
  explicit Conll04Reader(std::string path) : path_(std::move(path)) {
    corpus_.name = path_;
    stem_ = internal::FileStem(path_);
  }

  Corpus Read() {
    internal::LineReader in(path_);
    std::string line;
    while (in.Next(line)) {
      const long line_number = in.line();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      if (line.compare(0, 4, "#doc") == 0) {
        Finish();
        open_ = true;
        doc_line_ = line_number;
        continue;
      }
      if (!open_) throw InputError(path_, line_number, "token line before the first '#doc' line");
      TokenLine(line, line_number);
    }
    Finish();
    if (corpus_.sentences.empty()) throw InputError(path_, 0, "no '#doc' sentence: the corpus is empty");
    return std::move(corpus_);
  }

 private:
  void TokenLine(const std::string& line, long line_number) {
    const std::vector<std::string> fields = internal::SplitOn(line, '\t');
    if (fields.size() != 5) {
      throw InputError(path_, line_number,
                       "expected 5 tab-separated columns (index, token, BIO tag, relations, heads), found " +
                           std::to_string(fields.size()));
    }
    const int position = static_cast<int>(tags_.size());
    int index = 0;
    if (!internal::ParseIndex(fields[0], index) || index != position) {
      throw InputError(path_, line_number,
                       "token index " + Quote(fields[0]) + ", expected " + std::to_string(position));
    }
    if (fields[1].empty()) throw InputError(path_, line_number, "empty token");
    if (!ValidTag(fields[2])) {
      throw InputError(path_, line_number, "BIO tag " + Quote(fields[2]) + " is not O, B-<type> or I-<type>");
    }
    std::vector<std::string> labels;
    std::vector<int> heads;
    if (!ParseLabelList(fields[3], labels)) {
      throw InputError(path_, line_number,
                       "relation list " + Quote(fields[3]) + " is not like ['Work_For', 'N']");
    }
    if (!ParseIndexList(fields[4], heads)) {
      throw InputError(path_, line_number, "head list " + Quote(fields[4]) + " is not like [3, 7]");
    }
    if (labels.size() != heads.size()) {
      throw InputError(
          path_, line_number,
          std::to_string(labels.size()) + " relation labels but " + std::to_string(heads.size()) + " heads");
    }
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (labels[i] == "N") continue;
      pending_.push_back(PendingRelation{line_number, labels[i], position, heads[i]});
    }
    current_.tokens.push_back(Token{fields[1], -1, -1});
    tags_.push_back(fields[2]);
  }

  void Finish() {
    if (!open_) return;
    if (tags_.empty()) throw InputError(path_, doc_line_, "sentence has no tokens");
    current_.id = stem_ + ":" + std::to_string(corpus_.sentences.size());
    current_.entities = DecodeBio(tags_, &corpus_.report.repaired_tags);
    std::vector<int> ending_at(tags_.size(), -1);
    for (int e = 0; e < static_cast<int>(current_.entities.size()); ++e)
      ending_at[current_.entities[e].end - 1] = e;
    for (const PendingRelation& r : pending_) {
      if (r.to_token >= static_cast<int>(tags_.size())) {
        throw InputError(path_, r.line,
                         "relation " + Quote(r.type) + " points at token " + std::to_string(r.to_token) +
                             ", past the sentence's " + std::to_string(tags_.size()) + " tokens");
      }
      const int head = ending_at[r.from_token];
      const int tail = ending_at[r.to_token];
      if (head < 0) {
        throw InputError(path_, r.line,
                         "relation " + Quote(r.type) + " on token " + std::to_string(r.from_token) +
                             ", which does not end an entity");
      }
      if (tail < 0) {
        throw InputError(path_, r.line,
                         "relation " + Quote(r.type) + " points at token " + std::to_string(r.to_token) +
                             ", which does not end an entity");
      }
      current_.relations.push_back(Relation{r.type, head, tail});
    }
    NormalizeSentence(current_, corpus_.report);
    corpus_.sentences.push_back(std::move(current_));
    current_ = Sentence();
    tags_.clear();
    pending_.clear();
    open_ = false;
  }

  std::string path_;
  std::string stem_;
  Corpus corpus_;
  Sentence current_;
  std::vector<std::string> tags_;
  std::vector<PendingRelation> pending_;
  bool open_ = false;
  long doc_line_ = 0;
};

}  // namespace

Corpus ReadConll04(const std::string& path) { return Conll04Reader(path).Read(); }

}  // namespace dts::data
