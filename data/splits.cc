#include "data/splits.h"

#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>

#include "common/error.h"
#include "common/hash.h"
#include "data/atomic_file.h"

namespace dts::data {
namespace {

using nlohmann::json;

// Uniform in [0, bound) by rejection: std::uniform_int_distribution differs between standard libraries, and a
// split must not change with the compiler.
std::uint64_t Bounded(std::mt19937_64& rng, std::uint64_t bound) {
  const std::uint64_t limit =
      std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % bound;
  std::uint64_t x = 0;
  do {
    x = rng();
  } while (x >= limit);
  return x % bound;
}

void CheckUniqueIds(const Corpus& corpus) {
  std::set<std::string> seen;
  for (const Sentence& s : corpus.sentences) {
    if (!seen.insert(s.id).second) throw InputError(corpus.name, 0, "duplicate sentence id '" + s.id + "'");
  }
}

std::vector<std::string> Ids(const Corpus& corpus) {
  std::vector<std::string> ids;
  for (const Sentence& s : corpus.sentences) ids.push_back(s.id);
  return ids;
}

}  // namespace

bool Split::operator==(const Split& o) const {
  return kind == o.kind && corpus_fingerprint == o.corpus_fingerprint && seed == o.seed &&
         dev_fraction == o.dev_fraction && folds == o.folds && dev == o.dev && train == o.train &&
         test == o.test;
}

std::string CorpusFingerprint(const Corpus& corpus) {
  Hasher h;
  for (const Sentence& s : corpus.sentences) {
    h.Add(s.id).Add(static_cast<std::uint64_t>(s.tokens.size()));
    for (const Token& t : s.tokens) h.Add(t.text);
    h.Add(static_cast<std::uint64_t>(s.entities.size()));
    for (const Entity& e : s.entities) h.Add(e.type).Add(e.start).Add(e.end);
    h.Add(static_cast<std::uint64_t>(s.relations.size()));
    for (const Relation& r : s.relations) h.Add(r.type).Add(r.head).Add(r.tail);
  }
  return h.Hex();
}

Split MakeCrossValidationSplit(const Corpus& corpus, double dev_fraction, int folds, int seed) {
  CheckUniqueIds(corpus);
  const std::size_t n = corpus.sentences.size();
  const auto dev_size = static_cast<std::size_t>(std::llround(static_cast<double>(n) * dev_fraction));
  if (folds < 2 || n < dev_size + static_cast<std::size_t>(folds) || (dev_fraction > 0 && dev_size == 0)) {
    throw InputError(corpus.name, 0,
                     std::to_string(n) + " sentences are too few for a dev fraction of " +
                         std::to_string(dev_fraction) + " and " + std::to_string(folds) + " folds");
  }
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::mt19937_64 rng(static_cast<std::uint64_t>(seed));
  for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[Bounded(rng, i)]);

  Split split;
  split.kind = SplitKind::kCrossValidation;
  split.corpus_fingerprint = CorpusFingerprint(corpus);
  split.seed = seed;
  split.dev_fraction = dev_fraction;
  split.folds.resize(folds);
  const std::size_t rest = n - dev_size;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string& id = corpus.sentences[order[i]].id;
    if (i < dev_size) {
      split.dev.push_back(id);
    } else {
      // Contiguous blocks of the shuffled order, sizes differing by at most one.
      const std::size_t k = (i - dev_size) * static_cast<std::size_t>(folds) / rest;
      split.folds[k].push_back(id);
    }
  }
  return split;
}

Split MakeFixedSplit(const Corpus& train, const Corpus& dev, const Corpus& test) {
  Corpus all;
  all.name = train.name + ", " + dev.name + ", " + test.name;
  for (const Corpus* part : {&train, &dev, &test}) {
    all.sentences.insert(all.sentences.end(), part->sentences.begin(), part->sentences.end());
  }
  CheckUniqueIds(all);
  Split split;
  split.kind = SplitKind::kFixed;
  split.corpus_fingerprint =
      Hasher().Add(CorpusFingerprint(train)).Add(CorpusFingerprint(dev)).Add(CorpusFingerprint(test)).Hex();
  split.train = Ids(train);
  split.dev = Ids(dev);
  split.test = Ids(test);
  return split;
}

void WriteSplit(const Split& split, const std::string& path) {
  nlohmann::ordered_json out;
  out["format"] = "dts-split-1";
  out["kind"] = split.kind == SplitKind::kFixed ? "fixed" : "cross_validation";
  out["corpus_fingerprint"] = split.corpus_fingerprint;
  if (split.kind == SplitKind::kCrossValidation) {
    out["seed"] = split.seed;
    out["dev_fraction"] = split.dev_fraction;
    out["dev"] = split.dev;
    out["folds"] = split.folds;
  } else {
    out["train"] = split.train;
    out["dev"] = split.dev;
    out["test"] = split.test;
  }
  // Written atomically: a sweep's trials may read the file while it is being replaced.
  WriteFileAtomically(path, [&](std::ostream& file) { file << out.dump(1) << '\n'; });
}

Split ReadSplit(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw InputError(path, 0, "cannot open split file");
  std::stringstream buffer;
  buffer << file.rdbuf();
  const std::string text = buffer.str();
  json in;
  try {
    in = json::parse(text);
  } catch (const json::parse_error& e) {
    long line = 1;
    for (std::size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) line += text[i] == '\n';
    throw InputError(path, line, "invalid JSON in split file");
  }
  auto fail = [&](const std::string& what) -> InputError { return InputError(path, 0, what); };
  if (!in.is_object() || in.value("format", "") != "dts-split-1")
    throw fail("not a dts split file (format dts-split-1)");
  auto ids = [&](const char* key) {
    if (!in.contains(key) || !in[key].is_array())
      throw fail(std::string("\"") + key + "\" is missing or not a list");
    std::vector<std::string> out;
    for (const json& id : in[key]) {
      if (!id.is_string()) throw fail(std::string("\"") + key + "\" holds a non-string id");
      out.push_back(id.get<std::string>());
    }
    return out;
  };
  Split split;
  if (!in.contains("corpus_fingerprint") || !in["corpus_fingerprint"].is_string()) {
    throw fail("\"corpus_fingerprint\" is missing");
  }
  split.corpus_fingerprint = in["corpus_fingerprint"].get<std::string>();
  const std::string kind = in.value("kind", "");
  std::vector<const std::vector<std::string>*> parts;
  if (kind == "fixed") {
    split.kind = SplitKind::kFixed;
    split.train = ids("train");
    split.dev = ids("dev");
    split.test = ids("test");
    parts = {&split.train, &split.dev, &split.test};
  } else if (kind == "cross_validation") {
    split.kind = SplitKind::kCrossValidation;
    if (!in.contains("seed") || !in["seed"].is_number_integer()) throw fail("\"seed\" is missing");
    if (!in.contains("dev_fraction") || !in["dev_fraction"].is_number())
      throw fail("\"dev_fraction\" is missing");
    split.seed = in["seed"].get<int>();
    split.dev_fraction = in["dev_fraction"].get<double>();
    split.dev = ids("dev");
    if (!in.contains("folds") || !in["folds"].is_array() || in["folds"].size() < 2) {
      throw fail("\"folds\" is missing or has fewer than 2 folds");
    }
    for (const json& fold : in["folds"]) {
      if (!fold.is_array()) throw fail("a fold is not a list");
      std::vector<std::string> members;
      for (const json& id : fold) {
        if (!id.is_string()) throw fail("a fold holds a non-string id");
        members.push_back(id.get<std::string>());
      }
      split.folds.push_back(std::move(members));
    }
    parts.push_back(&split.dev);
    for (const auto& fold : split.folds) parts.push_back(&fold);
  } else {
    throw fail("\"kind\" must be \"fixed\" or \"cross_validation\"");
  }
  std::set<std::string> seen;
  for (const auto* part : parts) {
    for (const std::string& id : *part) {
      if (!seen.insert(id).second) throw fail("sentence id '" + id + "' appears in two parts");
    }
  }
  return split;
}

Corpus SelectSentences(const Corpus& corpus, const std::vector<std::string>& ids,
                       const std::string& part_name, const std::string& split_source) {
  std::map<std::string, const Sentence*> by_id;
  for (const Sentence& s : corpus.sentences) by_id.emplace(s.id, &s);
  Corpus part;
  part.name = corpus.name + " [" + part_name + "]";
  for (const std::string& id : ids) {
    const auto it = by_id.find(id);
    if (it == by_id.end()) {
      throw InputError(split_source, 0, "split names sentence '" + id + "', which " + corpus.name + " lacks");
    }
    part.sentences.push_back(*it->second);
  }
  return part;
}

}  // namespace dts::data
