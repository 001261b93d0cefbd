#include "worker/numerics.h"

#include <torch/torch.h>

#include "common/numerics.h"
#include "schema/trial_contract.h"

namespace dts::worker {

void SetTrialThreads(int threads) {
  if (threads > 0) {
    torch::set_num_threads(threads);
    SetNativeThreadCounts(threads);
  }
  // LibTorch accepts an inter-op pool size once per process, before the pool's first use; a second trial in
  // the same process (the tests) finds it set already.
  static const bool inter_op_threads_set = [] {
    torch::set_num_interop_threads(1);
    return true;
  }();
  static_cast<void>(inter_op_threads_set);
}

schema::AttemptRow StartAttempt(const std::vector<schema::AttemptRow>& earlier, const std::string& device) {
  schema::AttemptRow row = schema::StartAttemptRow(earlier);
  row.intra_op_threads = torch::get_num_threads();
  row.inter_op_threads = torch::get_num_interop_threads();
  row.device = device;
  return row;
}

}  // namespace dts::worker
