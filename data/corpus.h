// The one in-memory corpus type. Every reader produces it, every later stage consumes it.
#pragma once

#include <string>
#include <vector>

namespace dts::data {

struct Token {
  std::string text;
  // Character offsets of the token inside Sentence::text, [begin, end). -1 when the source has no raw text
  // (CoNLL04, JSON).
  int begin = -1;
  int end = -1;
};

struct Entity {
  std::string type;
  int start = 0;  // first token
  int end = 0;    // one past the last token (exclusive)
  bool operator==(const Entity& o) const { return type == o.type && start == o.start && end == o.end; }
};

struct Relation {
  std::string type;
  int head = 0;  // index into Sentence::entities
  int tail = 0;
  bool operator==(const Relation& o) const { return type == o.type && head == o.head && tail == o.tail; }
};

struct Sentence {
  std::string id;  // stable within a corpus: "<pubmed-id>:<n>" for ADE, "train:17" for CoNLL04, element index
  std::string text;  // raw text when the source has it, else empty
  std::vector<Token> tokens;
  std::vector<Entity> entities;  // sorted by (start, end)
  std::vector<Relation> relations;
};

// What a reader changed or dropped on the way in. Kept with the corpus so that statistics (dts-prepare)
// can report it: a silent drop would make our figures incomparable with published ones.
struct ReadReport {
  long source_rows = 0;          // ADE: relation rows in the file; other formats: 0
  long overlapping_pairs = 0;    // pairs of distinct mentions sharing a token
  long entities_dropped = 0;     // the shorter mention of each overlap (see NormalizeSentence)
  long relations_dropped = 0;    // relations that referred to a dropped mention
  long duplicate_entities = 0;   // identical (type, span) mentions merged into one
  long duplicate_relations = 0;  // identical (type, head, tail) relations merged into one
  long trimmed_mentions = 0;     // ADE: mention text with surrounding spaces, trimmed
  long widened_mentions = 0;     // ADE: mention boundary inside a token, widened to whole tokens
  long repaired_tags = 0;        // CoNLL04: an I-X that did not continue an X and opened a new entity
  ReadReport& operator+=(const ReadReport& o);
};

struct Corpus {
  std::string name;  // file it came from
  std::vector<Sentence> sentences;
  ReadReport report;
};

}  // namespace dts::data
