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
  std::string id;    // stable within a corpus: "<pubmed-id>:<n>" for ADE, "train:17" for CoNLL04, element index
  std::string text;  // raw text when the source has it, else empty
  std::vector<Token> tokens;
  std::vector<Entity> entities;  // sorted by (start, end)
  std::vector<Relation> relations;
};

struct Corpus {
  std::string name;    // file it came from
  std::vector<Sentence> sentences;
};

}  // namespace dts::data
