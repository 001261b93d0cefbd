// A bidirectional LSTM or GRU layer on the CPU as one autograd node: the input projection of every time step
// and both directions is one GEMM, each step is one small GEMM per direction (h · W_hh^T) plus a plain loop
// over the gates, and the backward pass is a hand-written BPTT loop over buffers kept from the forward pass,
// ending in one GEMM per weight. LibTorch's own LSTM/GRU record about a dozen autograd nodes per time step.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "config/model_config.h"

namespace dts::model {

// The four parameters of one direction, laid out and gate-ordered as LibTorch's LSTM (i, f, g, o) and GRU
// (r, z, n): w_ih [G·H, I], w_hh [G·H, H], b_ih and b_hh [G·H], G = 4 (LSTM) or 3 (GRU).
struct RnnWeights {
  torch::Tensor w_ih, w_hh, b_ih, b_hh;
};

// x [B, L, I] (CPU, float or double) -> [B, L, 2H]: columns [0, H) the forward direction, [H, 2H) the
// backward one, which starts at each sequence's own last token (lengths[b] <= L, >= 1). Zero at padding.
// Same function (up to float rounding) as LibTorch's LSTM/GRU run over each sequence alone, both ways.
torch::Tensor FusedBiRnn(config::CellType cell, const torch::Tensor& x, const std::vector<int64_t>& lengths,
                         const RnnWeights& forward, const RnnWeights& backward);

}  // namespace dts::model
