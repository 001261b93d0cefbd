#include "data/tokenizer.h"

#include <gtest/gtest.h>

namespace dts::data {
namespace {

std::vector<std::string> Texts(const std::vector<Token>& tokens) {
  std::vector<std::string> out;
  for (const Token& t : tokens) out.push_back(t.text);
  return out;
}

TEST(Tokenizer, SplitsOnSpacesPunctuationAndHyphens) {
  const std::string text = "Intravenous azithromycin-induced ototoxicity (2.5 mg/day), Paget's.";
  EXPECT_EQ(Texts(Tokenize(text)),
            (std::vector<std::string>{"Intravenous", "azithromycin", "-", "induced", "ototoxicity", "(", "2",
                                      ".", "5", "mg", "/", "day", ")", ",", "Paget", "'", "s", "."}));
}

TEST(Tokenizer, OffsetsPointBackIntoTheText) {
  const std::string text = "  A\tfew--words \n here ";
  for (const Token& t : Tokenize(text)) EXPECT_EQ(text.substr(t.begin, t.end - t.begin), t.text);
  EXPECT_EQ(Texts(Tokenize(text)), (std::vector<std::string>{"A", "few", "-", "-", "words", "here"}));
  EXPECT_TRUE(Tokenize("   ").empty());
}

TEST(Tokenizer, KeepsUtf8SequencesWhole) {
  const auto tokens = Tokenize("caf\xc3\xa9-au-lait \xce\xb2-blocker");
  EXPECT_EQ(Texts(tokens),
            (std::vector<std::string>{"caf\xc3\xa9", "-", "au", "-", "lait", "\xce\xb2", "-", "blocker"}));
}

}  // namespace
}  // namespace dts::data
