#include "model/device.h"

#include "common/error.h"

namespace dts::model {

torch::Device ResolveDevice(const std::string& spec) {
  if (spec == "auto")
    return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  if (spec == "cpu") return torch::Device(torch::kCPU);
  if (spec == "cuda" || spec.rfind("cuda:", 0) == 0) {
    if (!torch::cuda::is_available())
      throw UsageError("device '" + spec + "' requested, but this LibTorch build sees no CUDA device");
    int index = 0;
    if (spec.size() > 5) {
      const std::string digits = spec.substr(5);
      if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 4)
        throw UsageError("device '" + spec + "': expected cuda:N");
      index = std::stoi(digits);
    }
    const int count = static_cast<int>(torch::cuda::device_count());
    if (index >= count)
      throw UsageError("device '" + spec + "': only " + std::to_string(count) + " CUDA device(s) visible");
    return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  throw UsageError("device '" + spec + "': expected auto, cpu or cuda:N");
}

}  // namespace dts::model
