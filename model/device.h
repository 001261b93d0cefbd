// The compute device is chosen at run time, once, in apps/; everything below receives it.
#pragma once

#include <torch/torch.h>

#include <string>

namespace dts::model {

// "auto": the first CUDA device when LibTorch sees one, else the CPU. "cpu". "cuda" or "cuda:N": that GPU;
// a UsageError when this LibTorch build has no CUDA or N is not a device.
torch::Device ResolveDevice(const std::string& spec);

}  // namespace dts::model
