#include "data/normalize.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <tuple>

#include "data/reader_util.h"

namespace dts::data {

void CheckTextLine(const std::string& path, long line, const std::string& text) {
  internal::CheckText(path, line, text);
}

ReadReport& ReadReport::operator+=(const ReadReport& o) {
  source_rows += o.source_rows;
  overlapping_pairs += o.overlapping_pairs;
  entities_dropped += o.entities_dropped;
  relations_dropped += o.relations_dropped;
  duplicate_entities += o.duplicate_entities;
  duplicate_relations += o.duplicate_relations;
  trimmed_mentions += o.trimmed_mentions;
  widened_mentions += o.widened_mentions;
  repaired_tags += o.repaired_tags;
  return *this;
}

namespace {

auto Key(const Entity& e) { return std::make_tuple(e.start, e.end, e.type); }
bool Overlap(const Entity& a, const Entity& b) { return a.start < b.end && b.start < a.end; }

}  // namespace

void NormalizeSentence(Sentence& sentence, ReadReport& report) {
  // 1. Merge identical mentions; old index -> unique index.
  std::map<std::tuple<int, int, std::string>, int> unique_index;
  std::vector<Entity> unique;
  std::vector<int> to_unique(sentence.entities.size());
  for (std::size_t i = 0; i < sentence.entities.size(); ++i) {
    const Entity& e = sentence.entities[i];
    auto [it, inserted] = unique_index.emplace(Key(e), static_cast<int>(unique.size()));
    if (inserted) {
      unique.push_back(e);
    } else {
      ++report.duplicate_entities;
    }
    to_unique[i] = it->second;
  }

  // 2. Count overlapping pairs, then keep greedily, longest first.
  for (std::size_t i = 0; i < unique.size(); ++i) {
    for (std::size_t j = i + 1; j < unique.size(); ++j) {
      if (Overlap(unique[i], unique[j])) ++report.overlapping_pairs;
    }
  }
  std::vector<int> order(unique.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    const Entity& x = unique[a];
    const Entity& y = unique[b];
    return std::make_tuple(-(x.end - x.start), x.start, x.type) <
           std::make_tuple(-(y.end - y.start), y.start, y.type);
  });
  std::vector<bool> kept(unique.size(), false);
  std::vector<int> kept_list;
  for (int u : order) {
    bool clash = false;
    for (int k : kept_list) clash = clash || Overlap(unique[u], unique[k]);
    if (clash) {
      ++report.entities_dropped;
    } else {
      kept[u] = true;
      kept_list.push_back(u);
    }
  }

  // 3. Sort the survivors by (start, end) and remap the relations.
  std::sort(kept_list.begin(), kept_list.end(),
            [&](int a, int b) { return Key(unique[a]) < Key(unique[b]); });
  std::vector<int> unique_to_final(unique.size(), -1);
  std::vector<Entity> entities;
  for (int u : kept_list) {
    unique_to_final[u] = static_cast<int>(entities.size());
    entities.push_back(unique[u]);
  }
  std::vector<Relation> relations;
  std::set<std::tuple<std::string, int, int>> seen;
  for (const Relation& r : sentence.relations) {
    const int head = unique_to_final[to_unique.at(r.head)];
    const int tail = unique_to_final[to_unique.at(r.tail)];
    if (head < 0 || tail < 0) {
      ++report.relations_dropped;
      continue;
    }
    if (!seen.emplace(r.type, head, tail).second) {
      ++report.duplicate_relations;
      continue;
    }
    relations.push_back(Relation{r.type, head, tail});
  }
  sentence.entities = std::move(entities);
  sentence.relations = std::move(relations);
}

}  // namespace dts::data
