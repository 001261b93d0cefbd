// Corpus readers and the JSON writer. Every reader refuses malformed input with an InputError naming the
// file and line (JSON: the element index), and returns sentences in file order, normalized (normalize.h).
#pragma once

#include <string>

#include "config/data_config.h"
#include "data/corpus.h"

namespace dts::data {

// Raw ADE-Corpus-V2 DRUG-AE.rel: `PubMed-ID|sentence|adverse-effect|begin|end|drug|begin|end`, one
// drug/effect pair per row, offsets at document level. Rows are grouped by (PubMed-ID, sentence) in order of
// first appearance; sentence ids are "<PubMed-ID>:<n>", n counting that document's sentences from 0.
// Entity types "Adverse-Effect" and "Drug"; relation "Adverse-Effect" with head = effect, tail = drug.
Corpus ReadAde(const std::string& path);

// CoNLL04 columns (`#doc N`, then `index token BIO-tag [relations] [heads]` per token). Sentence ids are
// "<file stem>:<n>", n counting sentences in the file from 0.
Corpus ReadConll04(const std::string& path);

// The common JSON format: a list of {"tokens": [...], "entities": [{"type","start","end"}], "relations":
// [{"type","head","tail"}]} with `end` exclusive and head/tail indexing `entities`. Optional keys written by
// WriteJson are read back: "id" (else "<file stem>:<element index>"), "text" and "offsets" ([[begin, end]]
// per token). Any other key is ignored.
Corpus ReadJson(const std::string& path);

// One element per line, so a line number and an element index tell the same story. Written atomically
// (data/atomic_file.h): an older file at `path` survives any failure. Throws IoError.
void WriteJson(const Corpus& corpus, const std::string& path);

// Dispatches on the format.
Corpus ReadCorpus(config::CorpusFormat format, const std::string& path);

// "ade", "conll04", "json"; ParseFormat throws UsageError for anything else.
std::string FormatName(config::CorpusFormat format);
config::CorpusFormat ParseFormat(const std::string& name);

}  // namespace dts::data
