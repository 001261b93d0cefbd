#include "data/readers.h"

#include "common/error.h"

namespace dts::data {

Corpus ReadCorpus(config::CorpusFormat format, const std::string& path) {
  switch (format) {
    case config::CorpusFormat::kAde:
      return ReadAde(path);
    case config::CorpusFormat::kConll04:
      return ReadConll04(path);
    case config::CorpusFormat::kJson:
      return ReadJson(path);
  }
  throw UsageError("unknown corpus format");
}

std::string FormatName(config::CorpusFormat format) {
  switch (format) {
    case config::CorpusFormat::kAde:
      return "ade";
    case config::CorpusFormat::kConll04:
      return "conll04";
    case config::CorpusFormat::kJson:
      return "json";
  }
  return "?";
}

config::CorpusFormat ParseFormat(const std::string& name) {
  if (name == "ade") return config::CorpusFormat::kAde;
  if (name == "conll04") return config::CorpusFormat::kConll04;
  if (name == "json") return config::CorpusFormat::kJson;
  throw UsageError("unknown corpus format '" + name + "' (expected ade, conll04 or json)");
}

}  // namespace dts::data
