#include "worker/metrics.h"

#include <gtest/gtest.h>

namespace dts::worker {
namespace {

using data::Entity;
using data::Relation;
using data::Sentence;

Sentence Gold() {
  Sentence s;
  s.tokens.resize(10);
  s.entities = {{"Drug", 0, 1}, {"AE", 3, 5}, {"AE", 7, 8}};
  s.relations = {{"Adverse-Effect", 1, 0}, {"Adverse-Effect", 2, 0}};
  return s;
}

TEST(Metrics, PerfectPredictionScoresHundred) {
  const Sentence gold = Gold();
  SentencePrediction p{gold.entities, {{gold.relations[0], 0.9f}, {gold.relations[1], 0.8f}}};
  const Scores s = Evaluate({gold}, {p}, {"Drug", "AE"}, {"Adverse-Effect"}, 0.5f);
  EXPECT_DOUBLE_EQ(s.ner.micro_f1, 100.0);
  EXPECT_DOUBLE_EQ(s.ner.macro_f1, 100.0);
  EXPECT_DOUBLE_EQ(s.re.micro_f1, 100.0);
}

TEST(Metrics, MicroAndMacroDifferAsComputedByHand) {
  const Sentence gold = Gold();
  // Drug right; AE 3-5 predicted as 3-4 (wrong span); AE 7-8 right; one spurious Drug at 9.
  SentencePrediction p{{{"Drug", 0, 1}, {"AE", 3, 4}, {"AE", 7, 8}, {"Drug", 9, 10}}, {}};
  const Scores s = Evaluate({gold}, {p}, {"Drug", "AE"}, {"Adverse-Effect"}, 0.5f);
  // Drug: tp1 fp1 fn0 -> P50 R100 F66.67. AE: tp1 fp1 fn1 -> P50 R50 F50.
  EXPECT_NEAR(s.ner.per_type.at("Drug").F1(), 200.0 / 3.0, 1e-9);
  EXPECT_NEAR(s.ner.per_type.at("AE").F1(), 50.0, 1e-9);
  EXPECT_NEAR(s.ner.macro_f1, (200.0 / 3.0 + 50.0) / 2.0, 1e-9);
  // Micro: tp2 fp2 fn1 -> P50 R66.67 F57.14.
  EXPECT_NEAR(s.ner.micro_p, 50.0, 1e-9);
  EXPECT_NEAR(s.ner.micro_r, 200.0 / 3.0, 1e-9);
  EXPECT_NEAR(s.ner.micro_f1, 2 * 50.0 * (200.0 / 3.0) / (50.0 + 200.0 / 3.0), 1e-9);
  // No relation predicted: RE recall 0, F1 0, and the type still counts for macro.
  EXPECT_DOUBLE_EQ(s.re.macro_f1, 0.0);
  EXPECT_EQ(s.re.per_type.at("Adverse-Effect").fn, 2);
}

TEST(Metrics, RelationNeedsBothArgumentSpansAndTypesAndDirection) {
  const Sentence gold = Gold();
  // Entities: the AE at 3-5 gets the wrong type, so its relation is wrong even though its span is right.
  SentencePrediction wrong_type{{{"Drug", 0, 1}, {"Drug", 3, 5}, {"AE", 7, 8}},
                                {{{"Adverse-Effect", 1, 0}, 0.9f}, {{"Adverse-Effect", 2, 0}, 0.9f}}};
  Scores s = Evaluate({gold}, {wrong_type}, {}, {"Adverse-Effect"}, 0.5f);
  EXPECT_EQ(s.re.per_type.at("Adverse-Effect").tp, 1);
  EXPECT_EQ(s.re.per_type.at("Adverse-Effect").fp, 1);
  EXPECT_EQ(s.re.per_type.at("Adverse-Effect").fn, 1);
  // Reversed direction is wrong.
  SentencePrediction reversed{gold.entities, {{{"Adverse-Effect", 0, 1}, 0.9f}}};
  s = Evaluate({gold}, {reversed}, {}, {"Adverse-Effect"}, 0.5f);
  EXPECT_EQ(s.re.per_type.at("Adverse-Effect").tp, 0);
  EXPECT_EQ(s.re.per_type.at("Adverse-Effect").fp, 1);
}

TEST(Metrics, ThresholdFiltersRelations) {
  const Sentence gold = Gold();
  SentencePrediction p{gold.entities, {{gold.relations[0], 0.9f}, {gold.relations[1], 0.3f}}};
  EXPECT_NEAR(Evaluate({gold}, {p}, {}, {}, 0.5f).re.micro_r, 50.0, 1e-9);
  EXPECT_NEAR(Evaluate({gold}, {p}, {}, {}, 0.2f).re.micro_r, 100.0, 1e-9);
  const auto curve = ThetaCurve({gold}, {p}, {"Adverse-Effect"}, {0.2f, 0.5f, 0.95f});
  ASSERT_EQ(curve.size(), 3u);
  EXPECT_NEAR(curve[0].re_micro_f1, 100.0, 1e-9);
  EXPECT_NEAR(curve[1].re_micro_f1, 2 * 100.0 * 50.0 / 150.0, 1e-9);
  EXPECT_NEAR(curve[2].re_micro_f1, 0.0, 1e-9);
}

TEST(Metrics, EmptyPredictionsAndEmptyGold) {
  Sentence empty;
  empty.tokens.resize(3);
  const Scores none = Evaluate({empty}, {SentencePrediction{}}, {"Drug"}, {"R"}, 0.5f);
  EXPECT_DOUBLE_EQ(none.ner.micro_f1, 0.0);
  EXPECT_EQ(none.ner.per_type.at("Drug").tp + none.ner.per_type.at("Drug").fp, 0);
  const Scores missed = Evaluate({Gold()}, {SentencePrediction{}}, {}, {}, 0.5f);
  EXPECT_EQ(missed.ner.per_type.at("AE").fn, 2);
  EXPECT_DOUBLE_EQ(missed.ner.micro_p, 0.0);
  EXPECT_THROW(Evaluate({Gold()}, {}, {}, {}, 0.5f), std::invalid_argument);
}

TEST(Metrics, DuplicatePredictionsCountOnce) {
  const Sentence gold = Gold();
  SentencePrediction p{{{"Drug", 0, 1}, {"Drug", 0, 1}}, {}};
  const Scores s = Evaluate({gold}, {p}, {}, {}, 0.5f);
  EXPECT_EQ(s.ner.per_type.at("Drug").tp, 1);
  EXPECT_EQ(s.ner.per_type.at("Drug").fp, 0);
}

}  // namespace
}  // namespace dts::worker
