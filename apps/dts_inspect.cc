// dts-inspect: a trial file's summary (status, configuration, attempts, per-epoch table, dev and test
// scores). A corrupt, truncated or damaged file (any dataset, checkpoints included) gets a one-line error
// naming it and the damaged dataset, and exit code 5.
#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "common/app.h"
#include "common/error.h"
#include "schema/trial_file.h"

namespace {

void PrintScores(const char* split, const dts::schema::SplitMetrics& m) {
  std::printf("%-5s NER P/R/F1 micro %6.2f %6.2f %6.2f  macro %6.2f %6.2f %6.2f\n", split,
              m.ner.scores.precision_micro, m.ner.scores.recall_micro, m.ner.scores.f1_micro,
              m.ner.scores.precision_macro, m.ner.scores.recall_macro, m.ner.scores.f1_macro);
  std::printf("%-5s RE  P/R/F1 micro %6.2f %6.2f %6.2f  macro %6.2f %6.2f %6.2f\n", split,
              m.re.scores.precision_micro, m.re.scores.recall_micro, m.re.scores.f1_micro,
              m.re.scores.precision_macro, m.re.scores.recall_macro, m.re.scores.f1_macro);
}

// One line per attempt, so that a result that depends on where it ran names the host, rank and process.
void PrintAttempts(const std::vector<dts::schema::AttemptRow>& attempts) {
  if (attempts.empty()) return;
  std::printf(
      "\nattempt host             rank      pid start                end                  outcome     "
      "threads  BLAS core\n");
  for (const auto& a : attempts) {
    const std::string outcome = dts::schema::OutcomeWord(a.outcome);
    // For a BLAS other than OpenBLAS, which names no core: what is known of it (its library's path).
    const std::string& blas = a.blas_core.empty() ? a.blas : a.blas_core;
    std::printf("%7d %-16s %4d %8lld %-20s %-20s %-11s %3d/%-3d  %s%s%s\n", a.attempt, a.host.c_str(), a.rank,
                static_cast<long long>(a.pid), a.start_time.c_str(),
                a.end_time.empty() ? "-" : a.end_time.c_str(), outcome.empty() ? "-" : outcome.c_str(),
                a.intra_op_threads, a.inter_op_threads, blas.c_str(), a.numerics_env.empty() ? "" : "  env ",
                a.numerics_env.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  return dts::RunApp("dts-inspect", argc, argv, [](std::vector<std::string>& args) {
    namespace po = boost::program_options;
    std::string path;
    bool show_config = false, predictions_only = false;
    po::options_description visible("usage: dts-inspect TRIAL.h5 [--config | --predictions]");
    visible.add_options()("help,h", "print this help")("config", po::bool_switch(&show_config),
                                                       "also print the resolved configuration")(
        "predictions", po::bool_switch(&predictions_only),
        "print only the stored test predictions, one JSON line per sentence");
    po::options_description all;
    all.add(visible).add_options()("trial", po::value(&path)->required());
    po::positional_options_description positional;
    positional.add("trial", 1);
    if (args.empty()) {
      std::cout << visible;
      return 2;
    }
    const po::variables_map vm = dts::ParseCommandLine(args, all, &positional);
    if (vm.count("help")) {
      std::cout << visible;
      return 0;
    }
    if (show_config && predictions_only)
      throw dts::UsageError("--config and --predictions exclude each other");
    // With the checkpoints: their bytes are checked too (per-chunk checksums), so a damaged blob is an
    // error naming it (exit 5) here, not first at a --resume or dts-predict.
    // Every text is checked against its stored checksum too: a damaged prediction is an error naming
    // /predictions (exit 5), never printed as if it were the model's.
    const auto trial = dts::schema::ReadTrialFile(path, /*with_checkpoints=*/true);
    if (!trial.text_verified)
      std::cerr << "dts-inspect: " << path
                << ": written before text checksums: its text (predictions, configuration) is unverified\n";
    if (predictions_only) {
      for (const auto& line : trial.predictions) std::printf("%s\n", line.c_str());
      return 0;
    }
    const bool has_failure = trial.failure_class != dts::schema::FailureClass::kNone;
    std::printf("trial %s  status %s%s%s%s%s\n", trial.trial_id.c_str(), dts::schema::Name(trial.status),
                has_failure ? "  " : "", has_failure ? dts::schema::Name(trial.failure_class) : "",
                has_failure ? ": " : "", trial.failure_message.c_str());
    std::printf("dataset %s  fold %d  seed %llu  stage %s%s  parameters %lld\n", trial.dataset.c_str(),
                trial.fold, static_cast<unsigned long long>(trial.seed), trial.stage.c_str(),
                trial.variant.empty() ? "" : (" (" + trial.variant + ")").c_str(),
                static_cast<long long>(trial.trainable_parameters));
    std::printf("started %s  ended %s  host %s  dts %s\n", trial.start_time.c_str(),
                trial.end_time.empty() ? "-" : trial.end_time.c_str(), trial.host.c_str(),
                trial.dts_version.c_str());
    std::printf(
        "epochs run %d  best epoch %d  theta_r %.2f  checkpoints: best %llu bytes, resume %llu bytes\n",
        trial.epochs_run, trial.best_epoch, trial.theta_r,
        static_cast<unsigned long long>(trial.best_model_bytes),
        static_cast<unsigned long long>(trial.resume_bytes));
    PrintAttempts(trial.attempts);
    if (!trial.epochs.empty()) {
      std::printf("\nepoch   loss    dev NER F1 (mi/ma)  dev RE F1 (mi/ma)  score   sent/s  seconds\n");
      for (const auto& e : trial.epochs) {
        std::printf("%5d %7.4f   %6.2f %6.2f      %6.2f %6.2f    %6.2f %8.0f %8.1f\n", e.epoch, e.train_loss,
                    e.dev_ner_f1_micro, e.dev_ner_f1_macro, e.dev_re_f1_micro, e.dev_re_f1_macro, e.dev_score,
                    e.sentences_per_second, e.seconds);
      }
    }
    std::printf("\n");
    if (trial.dev) PrintScores("dev", *trial.dev);
    if (trial.test) PrintScores("test", *trial.test);
    if (show_config) std::printf("\n%s", trial.config_ini.c_str());
    return 0;
  });
}
