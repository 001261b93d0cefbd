#include "worker/trainer.h"

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "common/error.h"
#include "common/exit_codes.h"
#include "common/stop.h"
#include "schema/trial_file.h"

namespace dts::worker {
namespace {

namespace fs = std::filesystem;

// The demo model on the bundled JSON sample: small enough that a whole trial takes about a second.
model::TrainConfig DemoConfig(int max_epochs = 4) {
  model::TrainConfig config = model::LoadTrainConfig("configs/demo.ini");
  config.train.max_epochs = max_epochs;
  config.train.patience = 0;
  config.train.threads = 1;
  return config;
}

class TrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dts-trainer-test-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ClearStopRequest();
  }
  void TearDown() override {
    ClearStopRequest();
    fs::remove_all(dir_);
  }
  TrialOutcome Run(const model::TrainConfig& config, const std::string& name, bool resume = false) {
    TrialOptions options;
    options.config = config;
    options.out_path = (dir_ / name).string();
    options.resume = resume;
    options.device = "cpu";
    options.progress = ProgressMode::kQuiet;
    return RunTrial(options);
  }
  fs::path dir_;
};

TEST_F(TrainerTest, CompletedTrialFileHoldsEverything) {
  const auto outcome = Run(DemoConfig(3), "t.h5");
  EXPECT_EQ(outcome.exit_code, kExitOk);
  const auto trial = schema::ReadTrialFile((dir_ / "t.h5").string(), true);
  EXPECT_EQ(trial.status, "completed");
  EXPECT_EQ(trial.epochs_run, 3);
  ASSERT_EQ(trial.epochs.size(), 3u);
  EXPECT_EQ(trial.epochs[2].epoch, 3);
  EXPECT_GT(trial.trainable_parameters, 0);
  EXPECT_EQ(trial.theta_curve.size(), 19u);
  ASSERT_TRUE(trial.test.has_value());
  ASSERT_TRUE(trial.dev.has_value());
  EXPECT_GE(trial.test->ner.scores.f1_micro, 0.0);
  EXPECT_LE(trial.test->ner.scores.f1_micro, 100.0);
  EXPECT_FALSE(trial.predictions.empty());
  EXPECT_TRUE(trial.best_model.has_value());
  EXPECT_TRUE(trial.resume.has_value()) << "a completed trial keeps its last resume point for a larger budget";
  EXPECT_EQ(trial.config.at("model.hidden"), "16");
  EXPECT_FALSE(trial.data_fingerprint.empty());
  EXPECT_FALSE(trial.start_time.empty());
  EXPECT_FALSE(trial.end_time.empty());
  EXPECT_EQ(trial.dataset, "corpus");
}

TEST_F(TrainerTest, RecordsTheIdsTheSweepGives) {
  const auto config = DemoConfig(1);
  TrialOptions options;
  options.config = config;
  options.out_path = (dir_ / "ids.h5").string();
  options.device = "cpu";
  options.progress = ProgressMode::kQuiet;
  options.trial_id = "0123456789abcdef";
  options.config_id = "c0ffee";
  ASSERT_EQ(RunTrial(options).exit_code, kExitOk);
  const auto given = schema::ReadTrialFile(options.out_path);
  EXPECT_EQ(given.trial_id, "0123456789abcdef");
  EXPECT_EQ(given.config_id, "c0ffee");
  // Run alone, the ids are derived: the config id from the canonical config, as ConfigId computes it.
  ASSERT_EQ(Run(config, "alone.h5").exit_code, kExitOk);
  const auto alone = schema::ReadTrialFile((dir_ / "alone.h5").string());
  EXPECT_EQ(alone.config_id, ConfigId(alone.config_ini));
  EXPECT_EQ(alone.trial_id.size(), 16u);
}

TEST_F(TrainerTest, LearnsTheSampleCorpus) {
  // 25 epochs of the demo model must find the sample's repeated entities; a broken loss, CRF or
  // optimizer step leaves NER F1 near zero.
  auto config = DemoConfig(25);
  const auto outcome = Run(config, "t.h5");
  ASSERT_TRUE(outcome.trial.test.has_value());
  EXPECT_GT(outcome.trial.test->ner.scores.f1_micro, 50.0);
  EXPECT_LT(outcome.trial.epochs.back().train_loss, outcome.trial.epochs.front().train_loss);
}

TEST_F(TrainerTest, SameSeedSameResult) {
  const auto a = Run(DemoConfig(2), "a.h5");
  const auto b = Run(DemoConfig(2), "b.h5");
  EXPECT_EQ(FinalLine(a.trial), FinalLine(b.trial));
  EXPECT_EQ(a.trial.predictions, b.trial.predictions);
  EXPECT_EQ(a.trial.epochs.back().train_loss, b.trial.epochs.back().train_loss);
}

TEST_F(TrainerTest, EarlyStoppingStopsAfterPatienceEpochsWithoutImprovement) {
  auto config = DemoConfig(30);
  config.train.lr = 1e-12;  // nothing is learned: the dev score of epoch 1 is never beaten
  config.train.patience = 2;
  const auto outcome = Run(config, "t.h5");
  EXPECT_EQ(outcome.trial.epochs_run, 3);
  EXPECT_EQ(outcome.trial.best_epoch, 1);
}

TEST_F(TrainerTest, ExistingTrialFileIsNeverOverwrittenWithoutResume) {
  Run(DemoConfig(1), "t.h5");
  EXPECT_THROW(Run(DemoConfig(1), "t.h5"), UsageError);
  auto other = DemoConfig(1);
  other.model.hidden = 17;
  EXPECT_THROW(Run(other, "t.h5", /*resume=*/true), ConfigError) << "resume with a different configuration";
  // Resuming a completed trial is a no-op that reports the stored result.
  const auto again = Run(DemoConfig(1), "t.h5", /*resume=*/true);
  EXPECT_EQ(again.exit_code, kExitOk);
  EXPECT_EQ(again.trial.status, "completed");
}

TEST_F(TrainerTest, StopSignalCheckpointsAndResumeGivesTheUninterruptedResult) {
  const auto reference = Run(DemoConfig(3), "reference.h5");

  // Stop at the very first batch boundary.
  RequestStop(SIGTERM);
  const auto stopped = Run(DemoConfig(3), "t.h5");
  EXPECT_EQ(stopped.exit_code, kExitResumeMe);
  auto interrupted = schema::ReadTrialFile((dir_ / "t.h5").string(), true);
  EXPECT_EQ(interrupted.status, "interrupted");
  EXPECT_EQ(interrupted.failure_class, "interrupted");
  EXPECT_TRUE(interrupted.resume.has_value());
  ClearStopRequest();

  // Stop again somewhere in the middle (wherever the timer lands), then finish.
  std::thread stopper([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    RequestStop(SIGUSR1);
  });
  const auto second = Run(DemoConfig(3), "t.h5", /*resume=*/true);
  stopper.join();
  ClearStopRequest();
  if (second.exit_code == kExitResumeMe) {
    const auto finished = Run(DemoConfig(3), "t.h5", /*resume=*/true);
    EXPECT_EQ(finished.exit_code, kExitOk);
  }
  const auto resumed = schema::ReadTrialFile((dir_ / "t.h5").string());
  EXPECT_EQ(resumed.status, "completed");
  EXPECT_EQ(FinalLine(resumed), FinalLine(reference.trial));
  EXPECT_EQ(resumed.predictions, reference.trial.predictions);
  ASSERT_EQ(resumed.epochs.size(), reference.trial.epochs.size());
  for (size_t i = 0; i < resumed.epochs.size(); ++i)
    EXPECT_EQ(resumed.epochs[i].train_loss, reference.trial.epochs[i].train_loss) << "epoch " << i + 1;
}

TEST_F(TrainerTest, ResumingACompletedTrialWithMoreEpochsContinuesIt) {
  // ASHA promotes a trial by resuming it with a larger train.max_epochs: 2 then 4 epochs must equal 4 at once.
  const auto straight = Run(DemoConfig(4), "straight.h5");
  Run(DemoConfig(2), "t.h5");
  const auto promoted = Run(DemoConfig(4), "t.h5", /*resume=*/true);
  EXPECT_EQ(promoted.exit_code, kExitOk);
  EXPECT_EQ(promoted.trial.epochs_run, 4);
  ASSERT_EQ(promoted.trial.epochs.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(promoted.trial.epochs[i].train_loss, straight.trial.epochs[i].train_loss);
  EXPECT_EQ(FinalLine(promoted.trial), FinalLine(straight.trial));
  EXPECT_EQ(schema::ReadTrialFile((dir_ / "t.h5").string()).config.at("train.max_epochs"), "4");
  // The same budget again is a no-op.
  const auto again = Run(DemoConfig(4), "t.h5", /*resume=*/true);
  EXPECT_EQ(again.trial.epochs_run, 4);
}

TEST_F(TrainerTest, DivergenceIsRecordedAndClassified) {
  auto config = DemoConfig(3);
  config.debug.fault = model::Fault::kNan;
  config.debug.fault_epoch = 2;
  EXPECT_THROW(Run(config, "t.h5"), DivergedError);
  const auto trial = schema::ReadTrialFile((dir_ / "t.h5").string());
  EXPECT_EQ(trial.status, "diverged");
  EXPECT_EQ(trial.failure_class, "diverged");
  EXPECT_NE(trial.failure_message.find("epoch 2"), std::string::npos) << trial.failure_message;
  EXPECT_EQ(trial.epochs_run, 1) << "the epoch before the fault is kept";
}

TEST_F(TrainerTest, DevBestThetaIsTheCurveMaximum) {
  auto config = DemoConfig(4);
  config.eval.theta_r_mode = model::ThetaMode::kDevBest;
  const auto outcome = Run(config, "t.h5");
  double best = -1, theta = -1;
  for (const auto& p : outcome.trial.theta_curve) {
    if (p.re.f1_macro > best + 1e-12) {
      best = p.re.f1_macro;
      theta = p.theta;
    }
  }
  EXPECT_NEAR(outcome.trial.theta_r, theta, 1e-6);
  ASSERT_TRUE(outcome.trial.dev.has_value());
  EXPECT_NEAR(outcome.trial.dev->re.scores.f1_macro, best, 1e-9);
}

TEST(SelectsOnMicro, FollowsTheCorpusConventionUnlessSet) {
  model::TrainConfig config;
  config.data.format = data::CorpusFormat::kConll04;
  EXPECT_TRUE(SelectsOnMicro(config)) << "CoNLL04 reports micro F1";
  config.data.format = data::CorpusFormat::kAde;
  EXPECT_FALSE(SelectsOnMicro(config)) << "ADE reports macro F1";
  config.data.format = data::CorpusFormat::kJson;
  EXPECT_FALSE(SelectsOnMicro(config));
  config.train.selection_average = model::SelectionAverage::kMicro;
  EXPECT_TRUE(SelectsOnMicro(config));
  config.data.format = data::CorpusFormat::kConll04;
  config.train.selection_average = model::SelectionAverage::kMacro;
  EXPECT_FALSE(SelectsOnMicro(config));
}

TEST(ConfigId, IgnoresFoldSeedAndTrialLabels) {
  const std::string a = "[data]\nfold = 1\npath = x\n[train]\nseed = 3\nlr = 0.1\n[trial]\nstage = final\n";
  const std::string b = "[data]\nfold = 7\npath = x\n[train]\nseed = 9\nlr = 0.1\n[trial]\nstage = search\n";
  const std::string c = "[data]\nfold = 1\npath = x\n[train]\nseed = 3\nlr = 0.2\n[trial]\nstage = final\n";
  EXPECT_EQ(ConfigId(a), ConfigId(b));
  EXPECT_NE(ConfigId(a), ConfigId(c));
}

}  // namespace
}  // namespace dts::worker
