// Where training stands, and the resumable checkpoint that stores it: with the model, the optimizer and the
// CPU generator, this is everything an exact resume needs (a resumed trial trains the same batches with the
// same dropout draws as one never interrupted).
#pragma once

#include <cstdint>
#include <string>

namespace dts::worker {

// Updated by the training loop and its observers (worker/train_observer.h); saved in every resume point.
struct TrainState {
  int epoch = 0;       // completed epochs
  int next_batch = 0;  // batches of epoch `epoch + 1` already trained: non-zero only inside an epoch
  // Sums over the trained batches of the current epoch, weighted by sentences.
  double epoch_loss = 0, epoch_ner = 0, epoch_re = 0;
  long epoch_sentences = 0;
  double epoch_train_seconds = 0;  // training time of the current epoch before this run
  double best_score = -1;          // the best epoch's dev score
  int best_epoch = 0;              // 0: none yet
  int epochs_since_best = 0;
  double train_seconds = 0;  // over all epochs and runs, for train.time_limit_s

  int CurrentEpoch() const { return epoch + 1; }  // 1-based, the epoch being (or about to be) trained
};

// The resumable checkpoint: the state, the CPU generator state and the model + optimizer checkpoint.
struct ResumePoint {
  TrainState state;
  std::string cpu_rng_state;
  std::string checkpoint;  // model::SaveCheckpoint bytes, with the optimizer
};

// A small framed container: "dts-resume 1\n", then "<bytes>\n" + payload for the state (JSON), the generator
// state and the checkpoint. The format is part of the trial file: a trial written earlier must still resume.
// The packed bytes are this head followed by the checkpoint's `checkpoint_size` bytes, so that a writer can
// stream the checkpoint (tens of MB with the optimizer state) after it instead of packing a copy.
std::string ResumePointHead(const TrainState& state, const std::string& cpu_rng_state,
                            std::uint64_t checkpoint_size);
// Throws IoError naming `source` for unknown, truncated or malformed bytes.
// The checkpoint is cut out of `bytes` in place: pass them with std::move to avoid a copy of tens of MB.
ResumePoint UnpackResumePoint(std::string bytes, const std::string& source);

// Dropout draws from LibTorch's default CPU generator, so its state is part of an exact resume.
std::string CpuRngState();
void RestoreCpuRngState(const std::string& bytes);

}  // namespace dts::worker
