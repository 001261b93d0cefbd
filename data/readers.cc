#include "data/readers.h"

#include "common/error.h"

namespace dts::data {

Corpus ReadCorpus(CorpusFormat format, const std::string& path) {
  switch (format) {
    case CorpusFormat::kAde:
      return ReadAde(path);
    case CorpusFormat::kConll04:
      return ReadConll04(path);
    case CorpusFormat::kJson:
      return ReadJson(path);
  }
  throw UsageError("unknown corpus format");
}

std::string FormatName(CorpusFormat format) {
  switch (format) {
    case CorpusFormat::kAde:
      return "ade";
    case CorpusFormat::kConll04:
      return "conll04";
    case CorpusFormat::kJson:
      return "json";
  }
  return "?";
}

CorpusFormat ParseFormat(const std::string& name) {
  if (name == "ade") return CorpusFormat::kAde;
  if (name == "conll04") return CorpusFormat::kConll04;
  if (name == "json") return CorpusFormat::kJson;
  throw UsageError("unknown corpus format '" + name + "' (expected ade, conll04 or json)");
}

}  // namespace dts::data
