#include "worker/trainer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/app.h"
#include "common/error.h"
#include "common/exit_codes.h"
#include "common/stop.h"
#include "config/identity.h"
#include "model/checkpoint.h"
#include "model/setup.h"
#include "schema/trial_file.h"
#include "schema/trial_schema.h"
#include "vectors/trial_vectors.h"
#include "worker/evaluation.h"
#include "worker/learner.h"
#include "worker/observers.h"
#include "worker/train_loop.h"
#include "worker/train_state.h"

namespace dts::worker {
namespace {

namespace fs = std::filesystem;

// The demo model on the bundled JSON sample: small enough that a whole trial takes about a second.
config::TrainConfig DemoConfig(int max_epochs = 4) {
  config::TrainConfig config = config::LoadTrainConfig("configs/demo.ini");
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
  TrialRunResult Run(const config::TrainConfig& config, const std::string& name, bool resume = false) {
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
  EXPECT_EQ(trial.status, schema::TrialStatus::kCompleted);
  EXPECT_EQ(trial.failure_class, schema::FailureClass::kNone);
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
  EXPECT_TRUE(trial.resume.has_value())
      << "a completed trial keeps its last resume point for a larger budget";
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
  // Run alone, the ids are derived by the identity rule the sweep's planner uses, so they are the ones a
  // sweep would have given this run.
  ASSERT_EQ(Run(config, "alone.h5").exit_code, kExitOk);
  const auto alone = schema::ReadTrialFile((dir_ / "alone.h5").string());
  const std::string identity = config::IdentityText(config, dir_);  // the directory of the trial file
  EXPECT_EQ(alone.config_id, config::ConfigId(identity));
  EXPECT_EQ(alone.trial_id,
            config::TrialId(identity, config.data.fold, static_cast<std::uint64_t>(config.train.seed),
                            config::DataFingerprint(config.data.path)));
  // The [trial] labels change no computation, so no id.
  auto labelled = config;
  labelled.trial.stage = "final";
  ASSERT_EQ(Run(labelled, "labelled.h5").exit_code, kExitOk);
  const auto relabelled = schema::ReadTrialFile((dir_ / "labelled.h5").string());
  EXPECT_EQ(relabelled.config_id, alone.config_id);
  EXPECT_EQ(relabelled.trial_id, alone.trial_id);
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

TEST_F(TrainerTest, OwnVectorsAreTrainedOnceBesideTheTrialFileUsedAndCountedWithoutTraining) {
  {
    std::ofstream text(dir_ / "unlabelled.txt");
    for (int i = 0; i < 3; ++i)
      text
          << "The reviewers praised the quarterly figures .\nShares of the company rose after the merger .\n";
  }
  auto config = DemoConfig(1);
  config.data.vectors_text = (dir_ / "unlabelled.txt").string();
  config.data.vectors_epochs = 2;
  const auto first = Run(config, "fold0.h5");
  ASSERT_EQ(first.exit_code, kExitOk);
  const fs::path cache = dir_ / "vectors";
  ASSERT_TRUE(fs::is_directory(cache)) << "the cache lies beside the trial file";
  auto files = [&cache] {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(cache)) names.push_back(entry.path().filename().string());
    return names;
  };
  EXPECT_EQ(files().size(), 1u);
  // Another fold of the configuration gives fastText the same text: the cached file serves it.
  auto fold1 = config;
  fold1.data.fold = 1;
  ASSERT_EQ(Run(fold1, "fold1.h5").exit_code, kExitOk);
  EXPECT_EQ(files().size(), 1u);

  // The vectors' words enter the vocabulary (words only the unlabelled text has, such as "quarterly"), and
  // dts-train --count-parameters counts from the words alone, without training: at most the words whose
  // trained vectors came out all zero more (whole word rows).
  const auto trial = schema::ReadTrialFile((dir_ / "fold0.h5").string());
  const data::WordVectors words = vectors::VectorWordsWithoutTraining(vectors::TrialVectorsOptions(config));
  EXPECT_GE(words.Find("quarterly"), 0);
  const std::int64_t counted =
      model::SetUpModel(config, torch::kCPU, &words).model->TrainableParameterCount();
  EXPECT_LE(trial.trainable_parameters, counted);
  EXPECT_EQ((counted - trial.trainable_parameters) % config.model.word_dim, 0);
  auto without = config;
  without.data.vectors_text.clear();
  EXPECT_GT(
      trial.trainable_parameters,
      model::SetUpModel(without, torch::kCPU).model->TrainableParameterCount() + config.model.word_dim - 1)
      << "at least one more word row than without vectors";

  // The identity holds the vectors' settings: another epoch count is another configuration and file.
  auto more = config;
  more.data.vectors_epochs = 3;
  const auto other = Run(more, "more.h5");
  ASSERT_EQ(other.exit_code, kExitOk);
  EXPECT_NE(other.trial.config_id, first.trial.config_id);
  EXPECT_EQ(files().size(), 2u);
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
  EXPECT_EQ(again.trial.status, schema::TrialStatus::kCompleted);
}

// Issue 28: --out naming a directory was told "pass --resume" (exit 2), which then failed with "not a regular
// file" (exit 5). The I/O error comes first, with or without --resume, and nothing is written into it.
TEST_F(TrainerTest, OutThatIsADirectoryIsAnIoErrorBeforeAnyAdviceToResume) {
  fs::create_directories(dir_ / "d");
  for (const bool resume : {false, true}) {
    SCOPED_TRACE(resume ? "--resume" : "without --resume");
    try {
      Run(DemoConfig(1), "d", resume);
      FAIL() << "a directory as --out";
    } catch (const Error&) {
      std::string message;
      EXPECT_EQ(ExitCodeForCurrentException(message), kExitIo) << message;
      EXPECT_NE(message.find((dir_ / "d").string() + ": not a regular file"), std::string::npos) << message;
      EXPECT_EQ(message.find("--resume"), std::string::npos) << message;
    }
  }
  EXPECT_TRUE(fs::is_empty(dir_ / "d"));
}

TEST_F(TrainerTest, ResumeWithAnotherConfigurationNamesTheFirstDifferingKeyAndBothValues) {
  Run(DemoConfig(1), "t.h5");
  auto other = DemoConfig(2);  // a larger budget alone is an ASHA promotion, not a difference
  other.model.hidden = 17;
  other.train.seed += 1;
  const std::string path = (dir_ / "t.h5").string();
  try {
    Run(other, "t.h5", /*resume=*/true);
    FAIL() << "resume with a different configuration";
  } catch (const ConfigError& e) {
    // model.hidden comes before train.seed in the schema's order.
    EXPECT_EQ(e.key(), config::TrainSchema().Key(&config::TrainConfig::model, &config::ModelConfig::hidden));
    EXPECT_EQ(std::string(e.what()), path +
                                         ": the trial file was written for a different configuration: "
                                         "model.hidden = '16' in the trial file, '17' in this run");
    std::string message;
    EXPECT_EQ(ExitCodeForCurrentException(message), kExitBadConfig);
  }
  auto seed_only = DemoConfig(1);
  seed_only.train.seed += 1;
  try {
    Run(seed_only, "t.h5", /*resume=*/true);
    FAIL() << "resume with another seed";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "train.seed");
    EXPECT_NE(std::string(e.what()).find("train.seed = '" + std::to_string(DemoConfig(1).train.seed) +
                                         "' in the trial file, '" + std::to_string(seed_only.train.seed) +
                                         "' in this run"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(TrainerTest, StopSignalCheckpointsAndResumeGivesTheUninterruptedResult) {
  const auto reference = Run(DemoConfig(3), "reference.h5");

  // Stop at the very first batch boundary.
  RequestStop(SIGTERM);
  const auto stopped = Run(DemoConfig(3), "t.h5");
  EXPECT_EQ(stopped.exit_code, kExitResumeMe);
  auto interrupted = schema::ReadTrialFile((dir_ / "t.h5").string(), true);
  EXPECT_EQ(interrupted.status, schema::TrialStatus::kInterrupted);
  EXPECT_EQ(interrupted.failure_class, schema::FailureClass::kInterrupted);
  EXPECT_EQ(interrupted.failure_message,
            "stopped by signal " + std::to_string(SIGTERM) + " at epoch 1 batch 0");
  EXPECT_EQ(interrupted.epochs_run, 0);
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
  EXPECT_EQ(resumed.status, schema::TrialStatus::kCompleted);
  EXPECT_EQ(resumed.failure_class, schema::FailureClass::kNone) << "a finished run clears the interruption";
  EXPECT_EQ(FinalLine(resumed), FinalLine(reference.trial));
  EXPECT_EQ(resumed.predictions, reference.trial.predictions);
  ASSERT_EQ(resumed.epochs.size(), reference.trial.epochs.size());
  for (size_t i = 0; i < resumed.epochs.size(); ++i)
    EXPECT_EQ(resumed.epochs[i].train_loss, reference.trial.epochs[i].train_loss) << "epoch " << i + 1;
}

TEST_F(TrainerTest, ResumingACompletedTrialWithMoreEpochsContinuesIt) {
  // ASHA promotes a trial by resuming it with a larger train.max_epochs: 2 then 4 epochs must equal 4
  // epochs at once.
  const auto straight = Run(DemoConfig(4), "straight.h5");
  Run(DemoConfig(2), "t.h5");
  const auto promoted = Run(DemoConfig(4), "t.h5", /*resume=*/true);
  EXPECT_EQ(promoted.exit_code, kExitOk);
  EXPECT_EQ(promoted.trial.epochs_run, 4);
  ASSERT_EQ(promoted.trial.epochs.size(), 4u);
  for (size_t i = 0; i < 4; ++i)
    EXPECT_EQ(promoted.trial.epochs[i].train_loss, straight.trial.epochs[i].train_loss);
  EXPECT_EQ(FinalLine(promoted.trial), FinalLine(straight.trial));
  EXPECT_EQ(schema::ReadTrialFile((dir_ / "t.h5").string()).config.at("train.max_epochs"), "4");
  // The same budget again is a no-op.
  const auto again = Run(DemoConfig(4), "t.h5", /*resume=*/true);
  EXPECT_EQ(again.trial.epochs_run, 4);
}

TEST_F(TrainerTest, StoredCheckpointsLoadAndTheResumePointIsTheLastEpochs) {
  // The checkpoints are streamed into the file and carried over from save to save (never held in memory):
  // both must still be whole, loadable checkpoints, the resume point with its optimizer state.
  Run(DemoConfig(2), "t.h5");
  const std::string path = (dir_ / "t.h5").string();
  const auto best_model = schema::ReadCheckpointBlob(path, schema::kBestModelDataset);
  ASSERT_TRUE(best_model.has_value());
  EXPECT_EQ(model::LoadCheckpoint(*best_model, torch::kCPU).optimizer, nullptr);
  auto resume_bytes = schema::ReadCheckpointBlob(path, schema::kResumeDataset);
  ASSERT_TRUE(resume_bytes.has_value());
  const ResumePoint point = UnpackResumePoint(std::move(*resume_bytes), path);
  EXPECT_EQ(point.state.epoch, 2);
  EXPECT_NE(model::LoadCheckpoint(point.checkpoint, torch::kCPU).optimizer, nullptr);
}

TEST_F(TrainerTest, DivergenceIsRecordedAndClassified) {
  auto config = DemoConfig(3);
  config.debug.fault = config::Fault::kNan;
  config.debug.fault_epoch = 2;
  EXPECT_THROW(Run(config, "t.h5"), DivergedError);
  const auto trial = schema::ReadTrialFile((dir_ / "t.h5").string());
  EXPECT_EQ(trial.status, schema::TrialStatus::kDiverged);
  EXPECT_EQ(trial.failure_class, schema::FailureClass::kDiverged);
  EXPECT_NE(trial.failure_message.find("epoch 2"), std::string::npos) << trial.failure_message;
  EXPECT_EQ(trial.epochs_run, 1) << "the epoch before the fault is kept";
}

TEST_F(TrainerTest, DevBestThetaIsTheCurveMaximum) {
  auto config = DemoConfig(4);
  config.eval.theta_r_mode = config::ThetaMode::kDevBest;
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

TEST_F(TrainerTest, FailureClassFollowsTheExitCodeOfTheError) {
  // The data of a trial changes between two runs: an InputError, exit code 4, failure class bad_config, the
  // same chain the sweep applies to the exit status.
  auto config = DemoConfig(1);
  config.data.path = (dir_ / "corpus.json").string();
  fs::copy_file("data/samples/json/corpus.json", config.data.path);
  ASSERT_EQ(Run(config, "t.h5").exit_code, kExitOk);
  std::stringstream text;
  text << std::ifstream(config.data.path).rdbuf();
  std::string changed = text.str();
  changed.replace(changed.find("Ohio"), 4, "Iowa");
  std::ofstream(config.data.path, std::ios::trunc) << changed;
  config.train.max_epochs = 2;
  EXPECT_THROW(Run(config, "t.h5", /*resume=*/true), InputError);
  const auto trial = schema::ReadTrialFile((dir_ / "t.h5").string());
  EXPECT_EQ(trial.status, schema::TrialStatus::kFailed);
  EXPECT_EQ(trial.failure_class, schema::FailureClass::kBadConfig);
  EXPECT_NE(trial.failure_message.find("the data changed"), std::string::npos) << trial.failure_message;
}

TEST_F(TrainerTest, HangingEpochEndsWithTheStopSignalBeforeItsFirstBatch) {
  auto config = DemoConfig(3);
  config.debug.fault = config::Fault::kHang;
  config.debug.fault_epoch = 2;
  // Stop once epoch 1 is on disk, not after a fixed delay: under ASan or a loaded machine epoch 1 can take
  // longer than any delay that keeps this test short. The trial file is replaced by a rename per write, so a
  // new inode after the first one is the end of epoch 1 (the first write is the initial resume point); no
  // HDF5 here, the library is not thread-safe.
  const std::string path = (dir_ / "t.h5").string();
  std::thread stopper([path] {
    const auto inode = [&path]() -> ino_t {
      struct stat st {};
      return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
    };
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    ino_t first = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      const ino_t now = inode();
      if (first == 0) first = now;
      if (first != 0 && now != 0 && now != first) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    RequestStop(SIGTERM);
  });
  const auto result = Run(config, "t.h5");
  stopper.join();
  EXPECT_EQ(result.exit_code, kExitResumeMe);
  EXPECT_EQ(result.trial.status, schema::TrialStatus::kInterrupted);
  EXPECT_EQ(result.trial.epochs_run, 1);
  EXPECT_NE(result.trial.failure_message.find("at epoch 2 batch 0"), std::string::npos)
      << result.trial.failure_message;
}

TEST_F(TrainerTest, TimeLimitEndsTrainingAndEveryRecordedEpochTrained) {
  auto config = DemoConfig(100000);
  config.train.time_limit_s = 1.0;
  const auto result = Run(config, "t.h5");
  EXPECT_EQ(result.exit_code, kExitOk);
  EXPECT_EQ(result.trial.status, schema::TrialStatus::kCompleted);
  EXPECT_LT(result.trial.epochs_run, 100000);
  ASSERT_FALSE(result.trial.epochs.empty());
  for (const auto& epoch : result.trial.epochs) EXPECT_GT(epoch.train_loss, 0) << "epoch " << epoch.epoch;
  EXPECT_TRUE(result.trial.test.has_value());
}

TEST_F(TrainerTest, TimeLimitBeforeTheFirstBatchStillCompletesTheTrial) {
  auto config = DemoConfig(5);
  config.train.time_limit_s = 1e-9;
  const auto result = Run(config, "t.h5");
  EXPECT_EQ(result.exit_code, kExitOk);
  EXPECT_EQ(result.trial.status, schema::TrialStatus::kCompleted);
  EXPECT_EQ(result.trial.epochs_run, 0);
  EXPECT_TRUE(result.trial.epochs.empty()) << "an epoch without batches is no epoch";
  EXPECT_TRUE(result.trial.test.has_value()) << "the untrained model is still evaluated";
}

// The loop's events, in order, for a recording observer.
class EventLog : public TrainObserver {
 public:
  std::vector<std::string> events;
  void BeforeEpoch(const TrainState& s) override {
    events.push_back("before " + std::to_string(s.CurrentEpoch()));
  }
  void AfterEpoch(TrainState& s, EpochEnd& end) override {
    events.push_back("after " + std::to_string(end.row.epoch) + " next_batch " +
                     std::to_string(s.next_batch));
  }
  void AfterEpochClosed(const TrainState& s, const EpochEnd& end) override {
    events.push_back("closed " + std::to_string(end.row.epoch) + " epoch " + std::to_string(s.epoch) +
                     (end.improved ? " improved" : ""));
  }
  void OnStop(const TrainState& s, StopReason reason) override {
    events.push_back("stop " + std::to_string(static_cast<int>(reason)) + " at " + std::to_string(s.epoch));
  }
};

TEST(TrainLoop, NotifiesObserversEpochByEpochAndStopsOnce) {
  ClearStopRequest();
  auto config = DemoConfig(2);
  std::vector<std::string> notes;
  Learner learner = MakeLearner(config, torch::kCPU, /*vectors_cache_dir=*/"", notes);
  const int batches = static_cast<int>((learner.dataset.train.sentences.size() + 7) / 8);
  TrainState state;
  EarlyStopper stopper(config.train, /*last_epoch_is_the_model=*/false);
  DevEvaluator dev(config, learner);
  EventLog log;
  TrainLoop loop(config.train, learner, state, stopper);
  loop.Observe(dev);
  loop.Observe(stopper);
  loop.Observe(log);
  EXPECT_EQ(loop.Run(), StopReason::kMaxEpochs);
  const std::string max_epochs = std::to_string(static_cast<int>(StopReason::kMaxEpochs));
  const std::vector<std::string> expected{
      "before 1",
      "after 1 next_batch " + std::to_string(batches),
      "closed 1 epoch 1 improved",
      "before 2",
      "after 2 next_batch " + std::to_string(batches),
      "closed 2 epoch 2" + std::string(state.best_epoch == 2 ? " improved" : ""),
      "stop " + max_epochs + " at 2"};
  EXPECT_EQ(log.events, expected);
  EXPECT_EQ(state.epoch, 2);
  EXPECT_EQ(state.next_batch, 0);
}

TEST(TrainLoop, PendingSignalStopsBeforeAnyEpochStarts) {
  auto config = DemoConfig(2);
  std::vector<std::string> notes;
  Learner learner = MakeLearner(config, torch::kCPU, /*vectors_cache_dir=*/"", notes);
  TrainState state;
  EarlyStopper stopper(config.train, false);
  EventLog log;
  TrainLoop loop(config.train, learner, state, stopper);
  loop.Observe(log);
  RequestStop(SIGUSR1);
  EXPECT_EQ(loop.Run(), StopReason::kSignal);
  ClearStopRequest();
  EXPECT_EQ(log.events, std::vector<std::string>{
                            "stop " + std::to_string(static_cast<int>(StopReason::kSignal)) + " at 0"});
}

TEST(ResumePoint, HeadThenCheckpointUnpacksIntoItsParts) {
  TrainState state;
  state.epoch = 3;
  state.next_batch = 17;
  state.best_score = 61.5;
  const std::string rng("\x00\x01\n\xff", 4), checkpoint("model\nbytes\x00!", 13);
  const std::string packed = ResumePointHead(state, rng, checkpoint.size()) + checkpoint;
  const ResumePoint point = UnpackResumePoint(packed, "t.h5");
  EXPECT_EQ(point.state.epoch, 3);
  EXPECT_EQ(point.state.next_batch, 17);
  EXPECT_EQ(point.state.best_score, 61.5);
  EXPECT_EQ(point.cpu_rng_state, rng);
  EXPECT_EQ(point.checkpoint, checkpoint);
  EXPECT_THROW(UnpackResumePoint(packed.substr(0, packed.size() - 1), "t.h5"), IoError);
  EXPECT_THROW(UnpackResumePoint("dts-resume 2\n", "t.h5"), IoError);
}

TEST(SelectsOnMicro, FollowsTheCorpusConventionUnlessSet) {
  config::TrainConfig config;
  config.data.format = config::CorpusFormat::kConll04;
  EXPECT_TRUE(SelectsOnMicro(config)) << "CoNLL04 reports micro F1";
  config.data.format = config::CorpusFormat::kAde;
  EXPECT_FALSE(SelectsOnMicro(config)) << "ADE reports macro F1";
  config.data.format = config::CorpusFormat::kJson;
  EXPECT_FALSE(SelectsOnMicro(config));
  config.train.selection_average = config::SelectionAverage::kMicro;
  EXPECT_TRUE(SelectsOnMicro(config));
  config.data.format = config::CorpusFormat::kConll04;
  config.train.selection_average = config::SelectionAverage::kMacro;
  EXPECT_FALSE(SelectsOnMicro(config));
}

}  // namespace
}  // namespace dts::worker
