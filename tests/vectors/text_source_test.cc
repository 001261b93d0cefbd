// Unlabelled text: ADE-NEG parsing, format detection and its errors.
#include "vectors/text_source.h"

#include <gtest/gtest.h>

#include "tests/data/test_util.h"

namespace dts::vectors {
namespace {

using data::testing::InputErrorOf;
using data::testing::ScratchDir;

TEST(TextSource, AdeNegLines) {
  std::string sentence;
  EXPECT_TRUE(IsAdeNegLine("6460590 NEG Clioquinol intoxication occurring.", sentence));
  EXPECT_EQ(sentence, "Clioquinol intoxication occurring.");
  EXPECT_TRUE(IsAdeNegLine("1\tNEG\t  \"Quoted\" start  ", sentence));
  EXPECT_EQ(sentence, "\"Quoted\" start");
  EXPECT_FALSE(IsAdeNegLine("NEG no id", sentence));
  EXPECT_FALSE(IsAdeNegLine("12 POS a sentence", sentence));
  EXPECT_FALSE(IsAdeNegLine("12 NEGATIVE a sentence", sentence));
  EXPECT_FALSE(IsAdeNegLine("12 NEG   ", sentence));
  EXPECT_FALSE(IsAdeNegLine("12a NEG text", sentence));
  EXPECT_FALSE(IsAdeNegLine("The 2 NEG cases were mild.", sentence));
}

TEST(TextSource, DetectsAdeNegAndPlain) {
  ScratchDir dir;
  const std::string neg = dir.Write("neg.txt", "\n101 NEG First sentence.\r\n102 NEG Second one.\n\n");
  const UnlabelledText a = ReadUnlabelledText(neg, TextFormat::kAuto);
  EXPECT_EQ(a.format, TextFormat::kAdeNeg);
  ASSERT_EQ(a.sentences.size(), 2u);
  EXPECT_EQ(a.sentences[0].text, "First sentence.");
  EXPECT_EQ(a.sentences[0].line, 2);
  EXPECT_EQ(a.sentences[1].text, "Second one.");

  const std::string plain = dir.Write("plain.txt", "Aspirin was stopped.\n  \nThe 2 NEG cases were mild.\n");
  const UnlabelledText b = ReadUnlabelledText(plain, TextFormat::kAuto);
  EXPECT_EQ(b.format, TextFormat::kPlain);
  ASSERT_EQ(b.sentences.size(), 2u);
  EXPECT_EQ(b.sentences[1].text, "The 2 NEG cases were mild.");
  EXPECT_EQ(b.sentences[1].line, 3);

  // Forced plain: an ADE-NEG file is read as is, ids included.
  const UnlabelledText c = ReadUnlabelledText(neg, TextFormat::kPlain);
  EXPECT_EQ(c.sentences[0].text, "101 NEG First sentence.");
}

TEST(TextSource, Errors) {
  ScratchDir dir;
  const std::string bad = dir.Write("bad.txt", "1 NEG One.\n2 NEG Two.\nthree without id\n");
  EXPECT_EQ(InputErrorOf([&] { ReadUnlabelledText(bad, TextFormat::kAuto); }),
            bad + ":3: expected an ADE-NEG line 'PubMed-ID NEG sentence', found 'three without id'");
  const std::string plain = dir.Write("plain.txt", "no id here\n");
  EXPECT_EQ(InputErrorOf([&] { ReadUnlabelledText(plain, TextFormat::kAdeNeg); }),
            plain + ":1: expected an ADE-NEG line 'PubMed-ID NEG sentence', found 'no id here'");
  EXPECT_EQ(InputErrorOf([&] { ReadUnlabelledText(dir.Path("missing.txt"), TextFormat::kAuto); }),
            dir.Path("missing.txt") + ": no such file");
  const std::string blank = dir.Write("blank.txt", "\n  \n");
  EXPECT_EQ(InputErrorOf([&] { ReadUnlabelledText(blank, TextFormat::kAuto); }),
            blank + ": no text (every line is blank)");
  dir.Write("sub/file.txt", "text\n");
  EXPECT_EQ(InputErrorOf([&] { ReadUnlabelledText(dir.Path("sub"), TextFormat::kAuto); }),
            dir.Path("sub") + ": is a directory, expected a text file");
  // Not UTF-8: refused at its line (issue 27), in either format, before fastText sees it.
  const std::string latin1 = dir.Write("latin1.txt", "1 NEG A fine sentence.\n2 NEG A caf\xE9 sentence.\n");
  EXPECT_EQ(InputErrorOf([&] { ReadUnlabelledText(latin1, TextFormat::kAuto); }),
            latin1 + ":2: invalid UTF-8 (byte 0xE9) at column 12");
  const std::string plain_latin1 = dir.Write("plain-latin1.txt", "na\xEFve text\n");
  EXPECT_EQ(InputErrorOf([&] { ReadUnlabelledText(plain_latin1, TextFormat::kPlain); }),
            plain_latin1 + ":1: invalid UTF-8 (byte 0xEF) at column 3");
  EXPECT_THROW(ParseTextFormat("neg"), UsageError);
  EXPECT_EQ(ParseTextFormat("ade-neg"), TextFormat::kAdeNeg);
}

}  // namespace
}  // namespace dts::vectors
