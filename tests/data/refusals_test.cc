// Input that must be refused or named (issue 15): bytes no later stage can carry, offsets that do not
// describe their mention, empty corpora, out-of-range JSON integers, and outputs that must never be left
// half-written.
#include <gtest/gtest.h>

#include <set>

#include "common/error.h"
#include "data/atomic_file.h"
#include "data/dataset.h"
#include "data/reader_util.h"
#include "data/readers.h"
#include "data/splits.h"
#include "data/word_vectors.h"
#include "test_util.h"

namespace dts::data {
namespace {

using testing::ErrorOf;
using testing::InputErrorOf;
using testing::ScratchDir;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::set<std::string> Files(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) names.insert(entry.path().filename());
  return names;
}

const std::string kAdeRow = "1|Drug X caused a rash.|rash|20|24|Drug X|4|10\n";
const std::string kConllDoc = "#doc 1\n0\tParis\tB-Loc\t['N']\t[0]\n";
const std::string kJsonElement =
    R"({"tokens": ["a", "b"], "entities": [{"type": "X", "start": 0, "end": 1}]})";

TEST(Utf8, FindsTheFirstByteThatIsNotWellFormed) {
  using internal::FindInvalidUtf8;
  constexpr std::size_t kNone = std::string::npos;
  EXPECT_EQ(FindInvalidUtf8("plain ASCII"), kNone);
  EXPECT_EQ(FindInvalidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), kNone);  // é € 😀
  EXPECT_EQ(FindInvalidUtf8("ab\xFF"), 2u);
  EXPECT_EQ(FindInvalidUtf8("a\xC3"), 1u);             // truncated
  EXPECT_EQ(FindInvalidUtf8("a\xC0\x80"), 1u);         // overlong NUL
  EXPECT_EQ(FindInvalidUtf8("\xE0\x80\xAF"), 0u);      // overlong '/'
  EXPECT_EQ(FindInvalidUtf8("\xED\xA0\x80"), 0u);      // a surrogate
  EXPECT_EQ(FindInvalidUtf8("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("x\xE2\x82y"), 1u);        // continuation missing
  EXPECT_EQ(FindInvalidUtf8("\x80"), 0u);              // a lone continuation byte
  // Quoting user text in a message never cuts a UTF-8 sequence.
  const std::string long_text = std::string(56, 'a') + "\xC3\xA9" + std::string(10, 'b');
  EXPECT_EQ(FindInvalidUtf8(internal::Quote(long_text)), kNone);
}

TEST(Utf8, EveryReaderRefusesInvalidUtf8AtItsLine) {
  ScratchDir dir;
  const std::string ade =
      dir.Write("a.rel", kAdeRow + "2|Drug Y caused \xFF hives.|hives|24|29|Drug Y|4|10\n");
  EXPECT_EQ(InputErrorOf([&] { ReadAde(ade); }), ade + ":2: invalid UTF-8 (byte 0xFF) at column 17");
  const std::string conll = dir.Write(
      "c.txt", kConllDoc + "1\tM\xC3\xBCnchen\tB-Loc\t['N']\t[1]\n" + "2\tK\xF6ln\tB-Loc\t['N']\t[2]\n");
  EXPECT_EQ(InputErrorOf([&] { ReadConll04(conll); }), conll + ":4: invalid UTF-8 (byte 0xF6) at column 4");
  const std::string json = dir.Write(
      "j.json", "[\n" + kJsonElement + ",\n{\"tokens\": [\"a\", \"\xE9t\xE9\"], \"entities\": []}\n]");
  EXPECT_EQ(InputErrorOf([&] { ReadJson(json); }), json + ":3: invalid UTF-8 (byte 0xE9) at column 19");
  // Word vectors: their words enter the vocabulary beside the corpus's (issue 27).
  const std::string vectors = dir.Write("v.vec",
                                        "2 2\nalice 0.1 0.2\nb\xFF"
                                        "b 0.3 0.4\n");
  EXPECT_EQ(InputErrorOf([&] { ReadWordVectors(vectors); }),
            vectors + ":3: invalid UTF-8 (byte 0xFF) at column 2");
}

TEST(NulBytes, AreRefusedAtTheirLineNotTurnedIntoTokens) {
  ScratchDir dir;
  const std::string ade =
      dir.Write("a.rel", "1|Drug X caused a" + std::string(1, '\0') + " rash.|rash|21|25|Drug X|4|10\n");
  EXPECT_EQ(InputErrorOf([&] { ReadAde(ade); }), ade + ":1: NUL byte at column 18");
  const std::string conll =
      dir.Write("c.txt", kConllDoc + "1\t" + std::string(1, '\0') + "\tO\t['N']\t[1]\n");
  EXPECT_EQ(InputErrorOf([&] { ReadConll04(conll); }), conll + ":3: NUL byte at column 3");
  const std::string raw = dir.Write("raw.json", "[\n" + kJsonElement + std::string(1, '\0') + "]");
  EXPECT_EQ(InputErrorOf([&] { ReadJson(raw); }), raw + ":2: NUL byte at column 74");
  const std::string escaped = dir.Write(
      "escaped.json", "[\n" + kJsonElement + ",\n{\"tokens\": [\"a\\u0000b\"], \"entities\": []}\n]");
  EXPECT_EQ(InputErrorOf([&] { ReadJson(escaped); }),
            escaped + ":3: element 1: tokens[0] contains a NUL character (\\u0000)");
}

TEST(ByteOrderMark, AtTheStartOfAFileIsSkipped) {
  ScratchDir dir;
  const std::string bom = "\xEF\xBB\xBF";
  const Corpus ade = ReadAde(dir.Write("a.rel", bom + kAdeRow));
  ASSERT_EQ(ade.sentences.size(), 1u);
  EXPECT_EQ(ade.sentences[0].id, "1:0");
  const Corpus conll = ReadConll04(dir.Write("train.txt", bom + kConllDoc));
  ASSERT_EQ(conll.sentences.size(), 1u);
  EXPECT_EQ(conll.sentences[0].tokens[0].text, "Paris");
  const Corpus json = ReadJson(dir.Write("j.json", bom + "[" + kJsonElement + "]"));
  EXPECT_EQ(json.sentences.size(), 1u);
  // Only at the start of the file: elsewhere it is text (a sentence may quote one).
  const std::string later = dir.Write("b.rel", kAdeRow + bom + kAdeRow);
  EXPECT_EQ(ReadAde(later).sentences.size(), 2u);
}

TEST(EmptyCorpus, IsRefusedNamingTheFile) {
  ScratchDir dir;
  for (const std::string& text : {std::string(), std::string("\n  \n\t\n")}) {
    const std::string ade = dir.Write("a.rel", text);
    EXPECT_EQ(InputErrorOf([&] { ReadAde(ade); }), ade + ": no rows: the corpus is empty");
    const std::string conll = dir.Write("c.txt", text);
    EXPECT_EQ(InputErrorOf([&] { ReadConll04(conll); }), conll + ": no '#doc' sentence: the corpus is empty");
  }
  const std::string json = dir.Write("j.json", " [ ]\n");
  EXPECT_EQ(InputErrorOf([&] { ReadJson(json); }), json + ": an empty list: the corpus has no sentences");
}

TEST(AdeOffsets, EndMinusBeginMustBeTheMentionLength) {
  ScratchDir dir;
  const std::string f1 = dir.Write("a.rel", kAdeRow + "1|Drug X caused a rash.|rash|15|40|Drug X|4|10\n");
  EXPECT_EQ(InputErrorOf([&] { ReadAde(f1); }),
            f1 + ":2: adverse-effect offsets 15..40 span 25 bytes, but 'rash' has 4");
  // The span counts the spaces around the text as written (two real rows: "| minocycline|").
  const std::string f2 = dir.Write("b.rel", "1|Drug X caused a rash.|rash|20|24| Drug X|3|10\n");
  EXPECT_EQ(ReadAde(f2).report.trimmed_mentions, 1);
  const std::string f3 = dir.Write("c.rel", "1|Drug X caused a rash.|rash|20|24| Drug X|4|10\n");
  EXPECT_EQ(InputErrorOf([&] { ReadAde(f3); }),
            f3 + ":1: drug offsets 4..10 span 6 bytes, but ' Drug X' has 7");
}

TEST(AdeOffsets, AMentionTheOtherMentionsDisagreeWithIsAnErrorAtItsRow) {
  ScratchDir dir;
  // Base 10 (three votes); row 1's effect at 28 would put "rash" at sentence offset 18, where it is not.
  const std::string text = "A rash, then a rash after penicillin.";
  const std::string f = dir.Write("a.rel", "7|" + text + "|rash|12|16|penicillin|36|46\n" + "7|" + text +
                                               "|rash|28|32|penicillin|36|46\n");
  EXPECT_EQ(
      InputErrorOf([&] { ReadAde(f); }),
      f + ":2: adverse-effect 'rash' at document offset 28 disagrees with the other mentions of its sentence "
          "(they put it at sentence offset 18; it occurs at 2, 15)");
}

TEST(JsonIntegers, OutOfRangeValuesAreNamedWithTheirElement) {
  ScratchDir dir;
  const std::string huge = dir.Write(
      "h.json", "[\n" + kJsonElement +
                    ",\n{\"tokens\": [\"a\"], \"entities\": [{\"type\": \"X\", \"start\": 0, \"end\": "
                    "18446744073709551615}]}\n]");
  EXPECT_EQ(
      InputErrorOf([&] { ReadJson(huge); }),
      huge + ":3: element 1: entities[0]: \"end\" = 18446744073709551615 is out of range [0, 1000000000]");
  const std::string negative =
      dir.Write("n.json",
                "[{\"tokens\": [\"a\"], \"entities\": [], \"relations\": [{\"type\": \"R\", \"head\": -1, "
                "\"tail\": 0}]}]");
  EXPECT_EQ(InputErrorOf([&] { ReadJson(negative); }),
            negative + ":1: element 0: relations[0]: \"head\" = -1 is out of range [0, 1000000000]");
  const std::string offset =
      dir.Write("o.json",
                "[{\"tokens\": [\"a\"], \"entities\": [], \"text\": \"a\", \"offsets\": [[0, "
                "18446744073709551615]]}]");
  EXPECT_EQ(InputErrorOf([&] { ReadJson(offset); }),
            offset + ":1: element 0: offsets[0][1] = 18446744073709551615 is out of range [0, 1000000000]");
  // An integer id is kept exactly, also above 2^63 - 1.
  const std::string id =
      dir.Write("i.json", "[{\"id\": 18446744073709551615, \"tokens\": [\"a\"], \"entities\": []}]");
  EXPECT_EQ(ReadJson(id).sentences.at(0).id, "18446744073709551615");
  // A number no double holds is refused, not an nlohmann out_of_range escaping as exit 1 (fuzz/crashes/json).
  const std::string overflow = dir.Write("f.json", "[1e999]");
  EXPECT_NE(InputErrorOf([&] { ReadJson(overflow); }).find(overflow + ": invalid JSON: "), std::string::npos);
}

TEST(AtomicOutput, AFailedJsonExportKeepsTheOlderFile) {
  ScratchDir dir;
  const std::string out = dir.Write("corpus.json", "previous content\n");
  Corpus corpus = ReadAde(dir.Write("a.rel", kAdeRow + "2|Drug Y caused hives.|hives|18|23|Drug Y|4|10\n"));
  corpus.sentences[1].tokens[0].text = "Dr\xFFug";  // no reader lets this in; nlohmann::json cannot dump it
  const std::string message = ErrorOf<Error>([&] { WriteJson(corpus, out); });
  EXPECT_EQ(message.rfind(out + ": element 1: cannot be written as JSON: ", 0), 0u) << message;
  EXPECT_EQ(ReadAll(out), "previous content\n");
  EXPECT_EQ(Files(dir.Path()), (std::set<std::string>{"corpus.json", "a.rel"}));
}

TEST(AtomicOutput, WritesWholeFilesAndLeavesNoTemporaries) {
  ScratchDir dir;
  const std::string out = dir.Write("out.jsonl", "old\n");
  EXPECT_THROW(WriteFileAtomically(out,
                                   [](std::ostream& o) {
                                     o << "half";
                                     throw std::runtime_error("failed midway");
                                   }),
               std::runtime_error);
  EXPECT_EQ(ReadAll(out), "old\n");
  WriteFileAtomically(out, [](std::ostream& o) { o << "new\n"; });
  EXPECT_EQ(ReadAll(out), "new\n");
  EXPECT_EQ(Files(dir.Path()), (std::set<std::string>{"out.jsonl"}));
  const std::string message =
      ErrorOf<IoError>([&] { WriteFileAtomically(dir.Path("no/such/dir/x.json"), [](std::ostream&) {}); });
  EXPECT_EQ(message.rfind(dir.Path("no/such/dir/x.json") + ": cannot create ", 0), 0u) << message;
  // A directory in the way: nothing is left behind either.
  std::filesystem::create_directories(dir.Path("taken"));
  EXPECT_THROW(WriteFileAtomically(dir.Path("taken"), [](std::ostream& o) { o << "x"; }), IoError);
  EXPECT_EQ(Files(dir.Path()), (std::set<std::string>{"out.jsonl", "taken"}));
}

TEST(Dataset, AnUnsetCorpusPathNamesTheKey) {
  config::DataConfig config;
  EXPECT_EQ(ErrorOf<ConfigError>([&] { LoadDataset(config); }),
            "data.path is not set: it names the corpus file or directory");
  EXPECT_THROW(ReadCorpusParts(config::CorpusFormat::kAde, ""), UsageError);
}

}  // namespace
}  // namespace dts::data
