#include "data/readers.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "data/bio.h"
#include "data/stats.h"
#include "test_util.h"

namespace dts::data {
namespace {

using testing::InputErrorOf;
using testing::ScratchDir;

std::string Span(const Sentence& s, const Entity& e) {
  std::string out;
  for (int i = e.start; i < e.end; ++i) out += (i > e.start ? " " : "") + s.tokens[i].text;
  return out;
}

// Document "100\n\nTitle...\n\nAbstract": the title starts at offset 5.
constexpr const char* kAde =
    "100|Aspirin-induced asthma.|asthma|21|27|Aspirin|5|12\n"
    "100|Later, gastric bleeding followed aspirin use.|gastric bleeding|45|61|aspirin|71|78\n"
    "100|Later, gastric bleeding followed aspirin use.|gastric bleeding|45|61|aspirin|71|78\n"
    "200|Aspirin-induced asthma.|asthma|21|27|Aspirin|5|12\n"
    "300|Lithium toxicity after lithium overdose.|Lithium toxicity|5|21|Lithium|5|12\n"
    "300|Lithium toxicity after lithium overdose.|Lithium toxicity|5|21|lithium|28|35\n";

TEST(AdeReader, GroupsRowsByDocumentAndSentenceAndLocatesMentions) {
  ScratchDir dir;
  const Corpus corpus = ReadAde(dir.Write("DRUG-AE.rel", kAde));
  ASSERT_EQ(corpus.sentences.size(), 4u);  // the title of 100 and of 200 are two sentences
  const Sentence& title = corpus.sentences[0];
  EXPECT_EQ(title.id, "100:0");
  EXPECT_EQ(corpus.sentences[1].id, "100:1");
  EXPECT_EQ(corpus.sentences[2].id, "200:0");
  ASSERT_EQ(title.entities.size(), 2u);
  EXPECT_EQ(title.entities[0], (Entity{"Drug", 0, 1}));
  EXPECT_EQ(title.entities[1], (Entity{"Adverse-Effect", 3, 4}));
  EXPECT_EQ(title.relations, (std::vector<Relation>{{"Adverse-Effect", 1, 0}}));
  EXPECT_EQ(title.tokens[1].text, "-");
  EXPECT_EQ(title.text, "Aspirin-induced asthma.");

  const Sentence& later = corpus.sentences[1];
  EXPECT_EQ(Span(later, later.entities[0]), "gastric bleeding");
  EXPECT_EQ(Span(later, later.entities[1]), "aspirin");
  EXPECT_EQ(later.relations.size(), 1u);  // the duplicate row is merged
  EXPECT_EQ(corpus.report.duplicate_relations, 1);
  EXPECT_EQ(corpus.report.source_rows, 6);
}

TEST(AdeReader, NestedDrugInsideItsEffectIsDroppedWithItsRelation) {
  ScratchDir dir;
  const Corpus corpus = ReadAde(dir.Write("DRUG-AE.rel", kAde));
  const Sentence& s = corpus.sentences[3];
  ASSERT_EQ(s.entities.size(), 2u);
  EXPECT_EQ(Span(s, s.entities[0]), "Lithium toxicity");
  EXPECT_EQ(Span(s, s.entities[1]), "lithium");
  EXPECT_EQ(s.relations, (std::vector<Relation>{{"Adverse-Effect", 0, 1}}));
  EXPECT_EQ(corpus.report.overlapping_pairs, 1);
  EXPECT_EQ(corpus.report.entities_dropped, 1);
  EXPECT_EQ(corpus.report.relations_dropped, 1);
  EXPECT_NO_THROW(EncodeBio(s));
}

TEST(AdeReader, TrimsSpacesAroundAMention) {
  ScratchDir dir;
  // The second "rash" is the annotated one; the sentence starts at document offset 10.
  const std::string text = "A rash, then a rash after penicillin.";
  const std::string row = "7|" + text + "|rash|25|29| penicillin|35|46\n";  // a leading space
  const Corpus corpus = ReadAde(dir.Write("DRUG-AE.rel", row));
  const Sentence& s = corpus.sentences.at(0);
  EXPECT_EQ(corpus.report.trimmed_mentions, 1);
  ASSERT_EQ(s.entities.size(), 2u);
  EXPECT_EQ(s.tokens[s.entities[0].start].begin, 15);
  EXPECT_EQ(Span(s, s.entities[1]), "penicillin");
}

TEST(AdeReader, MalformedRowsNameFileAndLine) {
  ScratchDir dir;
  const std::string good = "1|Drug X caused a rash.|rash|20|24|Drug X|4|10\n";
  const std::string f1 = dir.Write("a.rel", good + "1|too|few|fields\n");
  EXPECT_EQ(
      InputErrorOf([&] { ReadAde(f1); }),
      f1 +
          ":2: expected 8 '|'-separated fields (PubMed-ID|sentence|adverse-effect|begin|end|drug|begin|end), "
          "found 4");
  const std::string f2 = dir.Write("b.rel", good + good + "1|Drug X caused a rash.|rash|2x|24|Drug X|4|10\n");
  EXPECT_EQ(InputErrorOf([&] { ReadAde(f2); }),
            f2 + ":3: adverse-effect begin offset '2x' is not a non-negative integer");
  const std::string f3 = dir.Write("c.rel", "1|Drug X caused a rash.|hives|20|25|Drug X|4|10\n");
  EXPECT_EQ(InputErrorOf([&] { ReadAde(f3); }),
            f3 + ":1: adverse-effect 'hives' does not occur in its sentence");
  const std::string f4 = dir.Write("d.rel", "\n1|Drug X caused a rash.|rash|20|24|  |4|10\n");
  EXPECT_EQ(InputErrorOf([&] { ReadAde(f4); }), f4 + ":2: drug mention is empty");
  const std::string f5 = dir.Write("e.rel", "1|Drug X caused a rash.|rash|20|24|Drug X|9|3\n");
  EXPECT_EQ(InputErrorOf([&] { ReadAde(f5); }), f5 + ":1: drug offsets 9..3 end before they begin");
  EXPECT_EQ(InputErrorOf([&] { ReadAde(dir.Path("missing.rel")); }),
            dir.Path("missing.rel") + ": cannot open for reading");
}

TEST(AdeReader, ReadsTheBundledSample) {
  const Corpus corpus = ReadAde("data/samples/ade/ade-sample.rel");
  const CorpusStats stats = ComputeStats(corpus);
  EXPECT_GT(stats.sentences, 40);
  EXPECT_GT(stats.report.source_rows, 50);
  EXPECT_GE(stats.report.overlapping_pairs, 1);
  for (const Sentence& s : corpus.sentences) EXPECT_NO_THROW(EncodeBio(s)) << s.id;
}

constexpr const char* kConll =
    "#doc 1\n"
    "0\tJohn\tB-Peop\t['N']\t[0]\n"
    "1\tMiller\tI-Peop\t['Work_For', 'Live_In']\t[3, 5]\n"
    "2\tof\tO\t['N']\t[2]\n"
    "3\tAcme\tB-Org\t['OrgBased_In']\t[5]\n"
    "4\tin\tO\t['N']\t[4]\n"
    "5\tOhio\tB-Loc\t['N']\t[5]\n"
    "\n"
    "#doc 2\n"
    "0\tThe\tO\t['N']\t[0]\n"
    "1\tPrize\tI-Other\t['N']\t[1]\n";

TEST(Conll04Reader, ReadsEntitiesAndRelationsOnLastTokens) {
  ScratchDir dir;
  const Corpus corpus = ReadConll04(dir.Write("train.txt", kConll));
  ASSERT_EQ(corpus.sentences.size(), 2u);
  const Sentence& s = corpus.sentences[0];
  EXPECT_EQ(s.id, "train:0");
  EXPECT_EQ(s.entities, (std::vector<Entity>{{"Peop", 0, 2}, {"Org", 3, 4}, {"Loc", 5, 6}}));
  EXPECT_EQ(s.relations,
            (std::vector<Relation>{{"Work_For", 0, 1}, {"Live_In", 0, 2}, {"OrgBased_In", 1, 2}}));
  // A stray I- opens an entity and is counted.
  EXPECT_EQ(corpus.sentences[1].entities, (std::vector<Entity>{{"Other", 1, 2}}));
  EXPECT_EQ(corpus.report.repaired_tags, 1);
}

TEST(Conll04Reader, MalformedLinesNameFileAndLine) {
  ScratchDir dir;
  struct Case {
    std::string text;
    std::string error;
  };
  const std::string head = "#doc 1\n0\tA\tB-Loc\t['N']\t[0]\n";
  const std::vector<Case> cases = {
      {"0\tA\tO\t['N']\t[0]\n", ":1: token line before the first '#doc' line"},
      {head + "1\tB\tO\t['N']\n",
       ":3: expected 5 tab-separated columns (index, token, BIO tag, relations, heads), found 4"},
      {head + "2\tB\tO\t['N']\t[2]\n", ":3: token index '2', expected 1"},
      {head + "1\tB\tX-Loc\t['N']\t[1]\n", ":3: BIO tag 'X-Loc' is not O, B-<type> or I-<type>"},
      {head + "1\tB\tO\t[N]\t[1]\n", ":3: relation list '[N]' is not like ['Work_For', 'N']"},
      {head + "1\tB\tO\t['N']\t[x]\n", ":3: head list '[x]' is not like [3, 7]"},
      {head + "1\tB\tO\t['N', 'Kill']\t[1]\n", ":3: 2 relation labels but 1 heads"},
      {head + "1\tB\tO\t['Kill']\t[0]\n", ":3: relation 'Kill' on token 1, which does not end an entity"},
      {"#doc 1\n0\tA\tB-Loc\t['Kill']\t[1]\n1\tB\tO\t['N']\t[1]\n",
       ":2: relation 'Kill' points at token 1, which does not end an entity"},
      {"#doc 1\n0\tA\tB-Loc\t['Kill']\t[9]\n",
       ":2: relation 'Kill' points at token 9, past the sentence's 1 tokens"},
      {head + "#doc 2\n#doc 3\n0\tA\tO\t['N']\t[0]\n", ":3: sentence has no tokens"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string file = dir.Write("case" + std::to_string(i) + ".txt", cases[i].text);
    EXPECT_EQ(InputErrorOf([&] { ReadConll04(file); }), file + cases[i].error) << "case " << i;
  }
}

constexpr const char* kJson = R"([
{"tokens": ["Anna", "Berg", "works", "for", "Globex", "."], "entities": [{"type": "Org", "start": 4, "end": 5},
  {"type": "Peop", "start": 0, "end": 2}], "relations": [{"type": "Work_For", "head": 1, "tail": 0}], "note": "x"},
{"tokens": ["Nothing", "here"], "entities": [], "relations": []}
])";

TEST(JsonReader, ReadsElementsSortsEntitiesAndIgnoresExtraKeys) {
  ScratchDir dir;
  const Corpus corpus = ReadJson(dir.Write("dev.json", kJson));
  ASSERT_EQ(corpus.sentences.size(), 2u);
  const Sentence& s = corpus.sentences[0];
  EXPECT_EQ(s.id, "dev:0");
  EXPECT_EQ(s.entities, (std::vector<Entity>{{"Peop", 0, 2}, {"Org", 4, 5}}));
  EXPECT_EQ(s.relations, (std::vector<Relation>{{"Work_For", 0, 1}}));
  EXPECT_TRUE(corpus.sentences[1].entities.empty());
}

TEST(JsonReader, MalformedElementsNameFileLineAndElement) {
  ScratchDir dir;
  struct Case {
    std::string text;
    std::string error;
  };
  const std::string ok = R"({"tokens": ["a", "b"], "entities": []})";
  const std::vector<Case> cases = {
      {"[\n" + ok +
           ",\n{\"tokens\": [\"a\"], \"entities\": [{\"type\": \"X\", \"start\": 0, \"end\": 2}]}\n]",
       ":3: element 1: entities[0]: span [0, 2) is not inside the 1 tokens (end is exclusive)"},
      {"[\n" + ok + ",\n" + ok + ",\n{\"entities\": []}]", ":4: element 2: missing \"tokens\""},
      {"[" + ok +
           ", {\"tokens\": [\"a\"], \"entities\": [{\"type\": \"X\", \"start\": 0, \"end\": 1}], "
           "\"relations\": [{\"type\": \"R\", \"head\": 0, \"tail\": 1}]}]",
       ":1: element 1: relations[0]: head/tail 0/1 but only 1 entities"},
      {"[\n" + ok + ",\n  {\"tokens\": [\"a\", 3], \"entities\": []}]",
       ":3: element 1: tokens[1] is not a non-empty string"},
      {"[\n  {\"tokens\": [\"a\"], \"entities\": [{\"type\": \"X\", \"start\": \"0\", \"end\": 1}]}]",
       ":2: element 0: entities[0]: \"start\" is not an integer"},
      {"[\n" + ok + ",\n 7]", ":3: element 1: not an object"},
      {"{\"tokens\": []}", ":1: expected a JSON list of sentences"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string file = dir.Write("case" + std::to_string(i) + ".json", cases[i].text);
    EXPECT_EQ(InputErrorOf([&] { ReadJson(file); }), file + cases[i].error) << "case " << i;
  }
  const std::string broken = dir.Write("broken.json", "[\n" + ok + ",\n{\"tokens\": [\"a\",]}\n]");
  const std::string message = InputErrorOf([&] { ReadJson(broken); });
  EXPECT_EQ(message.rfind(broken + ":3: invalid JSON: ", 0), 0u) << message;
}

TEST(JsonWriter, RoundTripsIdsTextOffsetsAndAnnotations) {
  ScratchDir dir;
  const Corpus ade = ReadAde(dir.Write("DRUG-AE.rel", kAde));
  const std::string out = dir.Path("ade.json");
  WriteJson(ade, out);
  const Corpus back = ReadJson(out);
  ASSERT_EQ(back.sentences.size(), ade.sentences.size());
  for (std::size_t i = 0; i < ade.sentences.size(); ++i) {
    const Sentence& a = ade.sentences[i];
    const Sentence& b = back.sentences[i];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.text, b.text);
    ASSERT_EQ(a.tokens.size(), b.tokens.size());
    for (std::size_t t = 0; t < a.tokens.size(); ++t) {
      EXPECT_EQ(a.tokens[t].text, b.tokens[t].text);
      EXPECT_EQ(a.tokens[t].begin, b.tokens[t].begin);
      EXPECT_EQ(a.tokens[t].end, b.tokens[t].end);
    }
    EXPECT_EQ(a.entities, b.entities);
    EXPECT_EQ(a.relations, b.relations);
  }
  EXPECT_THROW(WriteJson(ade, dir.Path("no/such/dir/x.json")), IoError);
}

TEST(JsonWriter, Conll04SampleThroughJsonGivesIdenticalStats) {
  ScratchDir dir;
  for (const char* part : {"train", "dev", "test"}) {
    const Corpus conll = ReadConll04(std::string("data/samples/conll04-sample/") + part + ".txt");
    WriteJson(conll, dir.Path(std::string(part) + ".json"));
    const Corpus back = ReadJson(dir.Path(std::string(part) + ".json"));
    EXPECT_EQ(ComputeStats(conll), ComputeStats(back)) << part;
    EXPECT_GT(ComputeStats(conll).relations, 0) << part;
  }
}

TEST(ReadCorpus, DispatchesOnFormatAndNamesFormats) {
  EXPECT_EQ(ReadCorpus(config::CorpusFormat::kJson, "data/samples/json/dev.json").sentences.size(),
            ReadJson("data/samples/json/dev.json").sentences.size());
  EXPECT_EQ(ParseFormat(FormatName(config::CorpusFormat::kConll04)), config::CorpusFormat::kConll04);
  EXPECT_THROW(ParseFormat("xml"), UsageError);
  const CorpusStats stats =
      ComputeStats(ReadCorpus(config::CorpusFormat::kJson, "data/samples/json/corpus.json"));
  EXPECT_EQ(stats.report.overlapping_pairs, 1);
  EXPECT_EQ(stats.entities_by_type.size(), 4u);
  EXPECT_EQ(stats.relations_by_type.size(), 5u);
}

}  // namespace
}  // namespace dts::data
