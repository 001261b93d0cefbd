#include "model/fused_rnn.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <stdexcept>

#include "model/multiversion.h"

namespace dts::model {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// c[m, n] = a[m, k] · op(b) + beta · c, row-major; op(b) = b^T when trans_b. Float products use
// RecurrentProduct<float> below.
void Gemm(bool trans_b, int64_t m, int64_t n, int64_t k, const double* a, int64_t lda, const double* b,
          int64_t ldb, double beta, double* c, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, m, n, k, 1.0, a, lda, b, ldb,
              beta, c, ldc);
}

// Elementwise math. Double keeps libm (tests compare in double); float uses branch-free Cephes-style
// approximations (within 2 ulp of libm) that the compiler vectorises: with libm's scalar expf and tanhf the
// gate loops, not the GEMMs, dominated the LSTM's time.
DTS_ALWAYS_INLINE double Exp(double x) { return std::exp(x); }
DTS_ALWAYS_INLINE double Tanh(double x) { return std::tanh(x); }

DTS_ALWAYS_INLINE float Exp(float x) {
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  // x = n ln 2 + r, |r| <= ln(2) / 2; n rounded to nearest by the 1.5 · 2^23 trick (vectorises without
  // SSE4.1).
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  const float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;  // 2^n, n in [-126, 127]
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

DTS_ALWAYS_INLINE float Tanh(float x) {
  // |x| < 0.625: odd polynomial (no cancellation near 0); else 1 - 2 / (e^{2x} + 1). Both are computed and
  // one selected: no branch, no libm call, so the loops vectorise.
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const float small = p * z * x + x;
  const float large = 1.0f - 2.0f / (Exp(2.0f * x) + 1.0f);
  return z < 0.390625f ? small : large;  // 0.390625 = 0.625^2
}

template <typename T>
DTS_ALWAYS_INLINE T Sigmoid(T x) {
  return T(1) / (T(1) + Exp(-x));
}

// One row (one sequence, one direction, one step) of each cell; H elements per gate. Forward: g holds the
// input-side pre-activations on entry (x · W_ih^T + b_ih + b_hh, but the GRU candidate's b_hn: see
// FusedBiRnnFunction::forward) and the activated gates on exit; hg: h · W_hh^T; h, c: the running state,
// updated; aux: LSTM cell state, GRU W_hn·h + b_hn.
template <typename T>
DTS_ALWAYS_INLINE void LstmForwardRow(int64_t H, T* __restrict g, const T* __restrict hg, T* __restrict c,
                                      T* __restrict h, T* __restrict out, T* __restrict aux) {
  for (int64_t j = 0; j < H; ++j) {
    const T i = Sigmoid(g[j] + hg[j]);
    const T f = Sigmoid(g[H + j] + hg[H + j]);
    const T gg = Tanh(g[2 * H + j] + hg[2 * H + j]);
    const T o = Sigmoid(g[3 * H + j] + hg[3 * H + j]);
    const T cn = f * c[j] + i * gg;
    g[j] = i, g[H + j] = f, g[2 * H + j] = gg, g[3 * H + j] = o;
    aux[j] = c[j] = cn;
    out[j] = h[j] = o * Tanh(cn);
  }
}

template <typename T>
DTS_ALWAYS_INLINE void GruForwardRow(int64_t H, T* __restrict g, const T* __restrict hg,
                                     const T* __restrict candidate_bias, T* __restrict h, T* __restrict out,
                                     T* __restrict aux) {
  for (int64_t j = 0; j < H; ++j) {
    const T r = Sigmoid(g[j] + hg[j]);
    const T z = Sigmoid(g[H + j] + hg[H + j]);
    const T hn = hg[2 * H + j] + candidate_bias[j];
    const T nn = Tanh(g[2 * H + j] + r * hn);
    g[j] = r, g[H + j] = z, g[2 * H + j] = nn;
    aux[j] = hn;
    out[j] = h[j] = (T(1) - z) * nn + z * h[j];
  }
}

// Backward rows: dh = dy + the gradient from the next step; st receives the pre-activation gradients of the
// hidden side (and, for the LSTM, of the input side too); dc (LSTM) is updated to the gradient of c_prev.
template <typename T>
DTS_ALWAYS_INLINE void LstmBackwardRow(int64_t H, const T* __restrict g, const T* __restrict c,
                                       const T* __restrict c_prev, const T* __restrict dy,
                                       const T* __restrict dh, T* __restrict dc, T* __restrict st) {
  for (int64_t j = 0; j < H; ++j) {
    const T i = g[j], f = g[H + j], gg = g[2 * H + j], o = g[3 * H + j];
    const T tc = Tanh(c[j]);
    const T dhj = dy[j] + dh[j];
    const T dcj = dhj * o * (T(1) - tc * tc) + dc[j];
    st[j] = dcj * gg * i * (T(1) - i);
    st[H + j] = dcj * c_prev[j] * f * (T(1) - f);
    st[2 * H + j] = dcj * i * (T(1) - gg * gg);
    st[3 * H + j] = dhj * tc * o * (T(1) - o);
    dc[j] = dcj * f;
  }
}

// GRU: di receives the input-side gradients, st the hidden-side ones, direct the gradient reaching h_prev
// through z · h_prev.
template <typename T>
DTS_ALWAYS_INLINE void GruBackwardRow(int64_t H, const T* __restrict g, const T* __restrict hn,
                                      const T* __restrict hp, const T* __restrict dy, const T* __restrict dh,
                                      T* __restrict di, T* __restrict st, T* __restrict direct) {
  for (int64_t j = 0; j < H; ++j) {
    const T r = g[j], z = g[H + j], nn = g[2 * H + j];
    const T dhj = dy[j] + dh[j];
    const T dn = dhj * (T(1) - z) * (T(1) - nn * nn);
    const T dr = dn * hn[j] * r * (T(1) - r);
    const T dz = dhj * (hp[j] - nn) * z * (T(1) - z);
    direct[j] = dhj * z;
    di[j] = st[j] = dr;
    di[H + j] = st[H + j] = dz;
    di[2 * H + j] = dn;
    st[2 * H + j] = dn * r;
  }
}

// The float rows, compiled for AVX2 + FMA and for baseline x86-64 (model/multiversion.h).
DTS_TARGET_CLONES void ForwardRow(bool lstm, int64_t H, float* __restrict g, const float* __restrict hg,
                                  const float* __restrict b_hh, float* __restrict c, float* __restrict h,
                                  float* __restrict out, float* __restrict aux) {
  if (lstm)
    LstmForwardRow(H, g, hg, c, h, out, aux);
  else
    GruForwardRow(H, g, hg, b_hh + 2 * H, h, out, aux);
}
DTS_TARGET_CLONES void LstmBackward(int64_t H, const float* __restrict g, const float* __restrict c,
                                    const float* __restrict c_prev, const float* __restrict dy,
                                    const float* __restrict dh, float* __restrict dc, float* __restrict st) {
  LstmBackwardRow(H, g, c, c_prev, dy, dh, dc, st);
}
DTS_TARGET_CLONES void GruBackward(int64_t H, const float* __restrict g, const float* __restrict hn,
                                   const float* __restrict hp, const float* __restrict dy,
                                   const float* __restrict dh, float* __restrict di, float* __restrict st,
                                   float* __restrict direct) {
  GruBackwardRow(H, g, hn, hp, dy, dh, di, st, direct);
}
void ForwardRow(bool lstm, int64_t H, double* __restrict g, const double* __restrict hg,
                const double* __restrict b_hh, double* __restrict c, double* __restrict h,
                double* __restrict out, double* __restrict aux) {
  if (lstm)
    LstmForwardRow(H, g, hg, c, h, out, aux);
  else
    GruForwardRow(H, g, hg, b_hh + 2 * H, h, out, aux);
}
void LstmBackward(int64_t H, const double* __restrict g, const double* __restrict c,
                  const double* __restrict c_prev, const double* __restrict dy, const double* __restrict dh,
                  double* __restrict dc, double* __restrict st) {
  LstmBackwardRow(H, g, c, c_prev, dy, dh, dc, st);
}
void GruBackward(int64_t H, const double* __restrict g, const double* __restrict hn,
                 const double* __restrict hp, const double* __restrict dy, const double* __restrict dh,
                 double* __restrict di, double* __restrict st, double* __restrict direct) {
  GruBackwardRow(H, g, hn, hp, dy, dh, di, st, direct);
}

// The recurrent product of every time step, C[M, N] = A[M, K] · B, with B (a weight, the same at every step)
// packed once per call in panels of 16 columns: data[(p · K + k) · 16 + j] = B(k, 16p + j), zero beyond N.
// OpenBLAS re-packs its operand on each of the 2L small products of a layer (12% of inference time) and is
// tuned for large M; here each block of up to 6 rows x 16 columns keeps its sums in 12 vector registers
// (enough independent sums to hide the FMA latency).
// Double (the tests' precision) goes to BLAS.
template <typename T>
class RecurrentProduct {
 public:
  // B = W^T (transpose, W [N, K]) or W (W [K, N]), W row-major.
  RecurrentProduct(const T* w, int64_t K, int64_t N, bool transpose)
      : w_(w), K_(K), N_(N), transpose_(transpose) {}
  void Multiply(int64_t M, const T* a, int64_t lda, T* c, int64_t ldc) const {
    Gemm(transpose_, M, N_, K_, a, lda, w_, transpose_ ? K_ : N_, T(0), c, ldc);
  }

 private:
  const T* w_;
  int64_t K_, N_;
  bool transpose_;
};

using Float8 = float __attribute__((vector_size(32)));

template <int Rows>
DTS_ALWAYS_INLINE void MultiplyBlock(const float* __restrict a, int64_t lda, const float* __restrict panel,
                                     int64_t K, float* __restrict c, int64_t ldc, int64_t columns) {
  Float8 sum[Rows][2] = {};
  for (int64_t k = 0; k < K; ++k) {
    Float8 b0, b1;
    std::memcpy(&b0, panel + k * 16, sizeof b0);
    std::memcpy(&b1, panel + k * 16 + 8, sizeof b1);
    for (int r = 0; r < Rows; ++r) {
      const float x = a[r * lda + k];
      sum[r][0] += b0 * x;
      sum[r][1] += b1 * x;
    }
  }
  for (int r = 0; r < Rows; ++r) {
    if (columns == 16) {
      std::memcpy(c + r * ldc, &sum[r][0], sizeof(Float8));
      std::memcpy(c + r * ldc + 8, &sum[r][1], sizeof(Float8));
    } else {
      float row[16];
      std::memcpy(row, &sum[r][0], sizeof(Float8));
      std::memcpy(row + 8, &sum[r][1], sizeof(Float8));
      std::memcpy(c + r * ldc, row, columns * sizeof(float));
    }
  }
}

// The last rows < 6 of a panel, as one block of exactly that many rows.
template <int Rows>
DTS_ALWAYS_INLINE void MultiplyLastRows(int64_t rows, const float* __restrict a, int64_t lda,
                                        const float* __restrict panel, int64_t K, float* __restrict c,
                                        int64_t ldc, int64_t columns) {
  if (rows == Rows) {
    MultiplyBlock<Rows>(a, lda, panel, K, c, ldc, columns);
  } else if constexpr (Rows > 1) {
    MultiplyLastRows<Rows - 1>(rows, a, lda, panel, K, c, ldc, columns);
  }
}

DTS_TARGET_CLONES void MultiplyPacked(int64_t M, int64_t N, int64_t K, const float* __restrict a, int64_t lda,
                                      const float* __restrict packed, float* __restrict c, int64_t ldc) {
  for (int64_t p = 0; p * 16 < N; ++p) {
    const float* panel = packed + p * K * 16;
    const int64_t columns = std::min<int64_t>(16, N - p * 16);
    float* cp = c + p * 16;
    int64_t r = 0;
    for (; r + 6 <= M; r += 6) MultiplyBlock<6>(a + r * lda, lda, panel, K, cp + r * ldc, ldc, columns);
    MultiplyLastRows<5>(M - r, a + r * lda, lda, panel, K, cp + r * ldc, ldc, columns);
  }
}

template <>
class RecurrentProduct<float> {
 public:
  RecurrentProduct(const float* w, int64_t K, int64_t N, bool transpose)
      : K_(K), N_(N), packed_(((N + 15) / 16) * K * 16, 0.0f) {
    for (int64_t n = 0; n < N; ++n)
      for (int64_t k = 0; k < K; ++k)
        packed_[((n / 16) * K + k) * 16 + n % 16] = transpose ? w[n * K + k] : w[k * N + n];
  }
  void Multiply(int64_t M, const float* a, int64_t lda, float* c, int64_t ldc) const {
    MultiplyPacked(M, N_, K_, a, lda, packed_.data(), c, ldc);
  }

 private:
  int64_t K_, N_;
  std::vector<float> packed_;
};

// Sizes and positions of one call. Only real tokens are computed: the per-position buffers (input
// projections, gates, saved states) hold the batch's real positions packed, sequence after sequence, so a
// batch padded to twice its real length (unsorted batches) costs nothing extra in the big GEMMs. The layer's
// input and output keep the padded layout [B · L, ...].
struct Dims {
  int64_t B, L, I, H, GH;  // GH: gates times H
  bool lstm;
  std::vector<int64_t> lengths, offsets;  // offsets[b]: packed row of (b, 0)
  int64_t tokens = 0;                     // packed rows, the sum of lengths

  Dims(int64_t b, int64_t l, int64_t i, int64_t h, int64_t gh, bool is_lstm, std::vector<int64_t> lens)
      : B(b), L(l), I(i), H(h), GH(gh), lstm(is_lstm), lengths(std::move(lens)), offsets(b) {
    for (int64_t r = 0; r < B; ++r) offsets[r] = tokens, tokens += lengths[r];
  }
  bool padded() const { return tokens < B * L; }
  // The token a direction visits at step s (s < lengths[b]): left to right, or from the sequence's own end.
  int64_t Token(int64_t b, int64_t s, int d) const { return d == 0 ? s : lengths[b] - 1 - s; }
  int64_t Packed(int64_t b, int64_t t) const { return offsets[b] + t; }
  int64_t Padded(int64_t b, int64_t t) const { return b * L + t; }
  // The padded row of every packed row, for gathering the input and scattering its gradient.
  torch::Tensor PaddedRows(const torch::Device& device) const {
    std::vector<int64_t> rows;
    rows.reserve(tokens);
    for (int64_t b = 0; b < B; ++b)
      for (int64_t t = 0; t < lengths[b]; ++t) rows.push_back(Padded(b, t));
    return torch::tensor(rows, torch::TensorOptions(torch::kInt64)).to(device);
  }
};

// The batch's rows by decreasing length, and how many are still running at each step: the recurrent products
// and gate loops then touch running rows only (a batch of character sequences, 1 to 20+ characters, would
// otherwise spend most of its steps on finished rows).
struct ActiveRows {
  std::vector<int64_t> order;   // rank -> batch row, longest first
  std::vector<int64_t> active;  // step -> rows with length > step (a prefix of `order`)
  ActiveRows(int64_t B, int64_t L, const int64_t* lengths) : order(B), active(L) {
    std::iota(order.begin(), order.end(), int64_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return lengths[a] > lengths[b]; });
    int64_t running = B;
    for (int64_t s = 0; s < L; ++s) {
      while (running > 0 && lengths[order[running - 1]] <= s) --running;
      active[s] = running;
    }
  }
};

// Forward pass. gates [tokens, 2·GH] holds the input-side pre-activations on entry and the activated gates on
// exit (LSTM: i, f, g, o; GRU: r, z, n); aux [tokens, 2H]: LSTM cell state, GRU W_hn·h + b_hn; h_prev
// [tokens, 2H]: the state each position started from (all three packed); y [B · L, 2H] (padded), zero at
// padding on entry. aux and h_prev are null when no backward pass will follow (inference). The running state
// is kept by rank (ActiveRows), not by batch row.
template <typename T>
void ForwardLoop(const Dims& k, const T* const w_hh[2], const T* const b_hh[2], T* gates, T* aux, T* h_prev,
                 T* y) {
  const int64_t B = k.B, H = k.H, GH = k.GH;
  const ActiveRows rows(B, k.L, k.lengths.data());
  std::vector<T> state(2 * B * H, T(0)), cell(2 * B * H, T(0)), hidden_gates(B * GH);
  std::vector<T> unsaved_aux(aux != nullptr ? 0 : H);  // where aux goes when no backward pass will read it
  const RecurrentProduct<T> recurrent[2] = {{w_hh[0], H, GH, true}, {w_hh[1], H, GH, true}};  // h · W_hh^T
  for (int64_t s = 0; s < k.L; ++s) {
    const int64_t active = rows.active[s];
    if (active == 0) break;
    for (int d = 0; d < 2; ++d) {
      T* h = state.data() + d * B * H;
      T* c = cell.data() + d * B * H;
      recurrent[d].Multiply(active, h, H, hidden_gates.data(), GH);
      for (int64_t r = 0; r < active; ++r) {
        const int64_t b = rows.order[r], t = k.Token(b, s, d);
        const int64_t n = k.Packed(b, t);
        T* g = gates + n * 2 * GH + d * GH;
        const T* hg = hidden_gates.data() + r * GH;
        T* hr = h + r * H;
        T* out = y + k.Padded(b, t) * 2 * H + d * H;
        T* a = aux != nullptr ? aux + n * 2 * H + d * H : unsaved_aux.data();
        if (h_prev != nullptr) std::memcpy(h_prev + n * 2 * H + d * H, hr, H * sizeof(T));
        ForwardRow(k.lstm, H, g, hg, b_hh[d], c + r * H, hr, out, a);
      }
    }
  }
}

// Backward pass: fills d_input_gates (gradient of x·W_ih^T + b_ih) and d_hidden_gates (of h·W_hh^T + b_hh;
// the same buffer for the LSTM), both [tokens, 2·GH] (packed; every row is written), from dy [B · L, 2H]
// (padded). Going backwards in time the running rows only grow, and a row's gradient state stays zero until
// its last position is reached.
template <typename T>
void BackwardLoop(const Dims& k, const T* const w_hh[2], const T* gates, const T* aux, const T* h_prev,
                  const T* dy, T* d_input_gates, T* d_hidden_gates) {
  const int64_t B = k.B, H = k.H, GH = k.GH;
  const ActiveRows rows(B, k.L, k.lengths.data());
  std::vector<T> dh(2 * B * H, T(0)), dc(2 * B * H, T(0)), step(B * GH), direct(B * H), zeros(H, T(0));
  const RecurrentProduct<T> recurrent[2] = {{w_hh[0], GH, H, false}, {w_hh[1], GH, H, false}};  // · W_hh
  for (int64_t s = k.L - 1; s >= 0; --s) {
    const int64_t active = rows.active[s];
    if (active == 0) continue;
    for (int d = 0; d < 2; ++d) {
      T* dhd = dh.data() + d * B * H;
      for (int64_t r = 0; r < active; ++r) {
        const int64_t b = rows.order[r], t = k.Token(b, s, d);
        const int64_t n = k.Packed(b, t);
        const T* g = gates + n * 2 * GH + d * GH;
        const T* a = aux + n * 2 * H + d * H;
        const T* dout = dy + k.Padded(b, t) * 2 * H + d * H;
        const T* dhr = dhd + r * H;
        T* st = step.data() + r * GH;
        if (k.lstm) {
          const T* c_prev = s > 0 ? aux + k.Packed(b, k.Token(b, s - 1, d)) * 2 * H + d * H : zeros.data();
          LstmBackward(H, g, a, c_prev, dout, dhr, dc.data() + d * B * H + r * H, st);
          std::memcpy(d_input_gates + n * 2 * GH + d * GH, st, GH * sizeof(T));
        } else {
          GruBackward(H, g, a, h_prev + n * 2 * H + d * H, dout, dhr, d_input_gates + n * 2 * GH + d * GH, st,
                      direct.data() + r * H);
          std::memcpy(d_hidden_gates + n * 2 * GH + d * GH, st, GH * sizeof(T));
        }
      }
      recurrent[d].Multiply(active, step.data(), GH, dhd, H);
      if (!k.lstm)
        for (int64_t i = 0; i < active * H; ++i) dhd[i] += direct[i];
    }
  }
}

class FusedBiRnnFunction : public torch::autograd::Function<FusedBiRnnFunction> {
 public:
  // Weights in the order forward (w_ih, w_hh, b_ih, b_hh), then backward.
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& w_ih_f,
                               const torch::Tensor& w_hh_f, const torch::Tensor& b_ih_f,
                               const torch::Tensor& b_hh_f, const torch::Tensor& w_ih_b,
                               const torch::Tensor& w_hh_b, const torch::Tensor& b_ih_b,
                               const torch::Tensor& b_hh_b, bool lstm, const std::vector<int64_t>& lengths,
                               bool for_backward) {
    const Dims k(x.size(0), x.size(1), x.size(2), w_hh_f.size(1), w_hh_f.size(0), lstm, lengths);
    const auto x2 = x.reshape({k.B * k.L, k.I});
    const auto x_rows = k.padded() ? x2.index_select(0, k.PaddedRows(x.device())) : x2;  // [tokens, I]
    const auto w_ih = torch::cat({w_ih_f, w_ih_b}, 0);                                   // [2·GH, I]
    // b_hh adds to each gate's pre-activation as b_ih does, except for the GRU candidate's b_hn (inside
    // r · (W_hn h + b_hn)): those go into the input projection's bias, once, not into every step.
    const auto outside = [&](const torch::Tensor& b_hh) {
      return lstm ? b_hh : torch::cat({b_hh.narrow(0, 0, 2 * k.H), torch::zeros({k.H}, b_hh.options())});
    };
    const auto input_bias = torch::cat({b_ih_f + outside(b_hh_f), b_ih_b + outside(b_hh_b)}, 0);
    auto gates = torch::addmm(input_bias, x_rows, w_ih.t()).contiguous();
    const auto opts = x.options();
    // aux and h_prev only if a backward pass will read them (not at inference); the loop writes every packed
    // row of both. y is zero at padding.
    torch::Tensor aux, h_prev;
    if (for_backward)
      aux = torch::empty({k.tokens, 2 * k.H}, opts), h_prev = torch::empty({k.tokens, 2 * k.H}, opts);
    auto y = k.padded() ? torch::zeros({k.B * k.L, 2 * k.H}, opts) : torch::empty({k.B * k.L, 2 * k.H}, opts);
    const auto w_hh = std::vector<torch::Tensor>{w_hh_f.contiguous(), w_hh_b.contiguous()};
    const auto b_hh = std::vector<torch::Tensor>{b_hh_f.contiguous(), b_hh_b.contiguous()};
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "FusedBiRnn", [&] {
      const scalar_t* wh[2] = {w_hh[0].data_ptr<scalar_t>(), w_hh[1].data_ptr<scalar_t>()};
      const scalar_t* bh[2] = {b_hh[0].data_ptr<scalar_t>(), b_hh[1].data_ptr<scalar_t>()};
      ForwardLoop<scalar_t>(k, wh, bh, gates.data_ptr<scalar_t>(),
                            for_backward ? aux.data_ptr<scalar_t>() : nullptr,
                            for_backward ? h_prev.data_ptr<scalar_t>() : nullptr, y.data_ptr<scalar_t>());
    });
    if (for_backward) ctx->save_for_backward({x_rows, w_ih, w_hh[0], w_hh[1], gates, aux, h_prev});
    ctx->saved_data["lstm"] = lstm;
    ctx->saved_data["lengths"] = lengths;
    ctx->saved_data["max_len"] = k.L;
    return y.view({k.B, k.L, 2 * k.H});
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const auto &x_rows = saved[0], &w_ih = saved[1], &gates = saved[4], &aux = saved[5], &h_prev = saved[6];
    const auto lengths = ctx->saved_data["lengths"].toIntVector();
    const Dims k(static_cast<int64_t>(lengths.size()), ctx->saved_data["max_len"].toInt(), x_rows.size(1),
                 saved[2].size(1), saved[2].size(0), ctx->saved_data["lstm"].toBool(), lengths);
    const int64_t H = k.H, GH = k.GH;
    const auto dy = grad_outputs[0].reshape({k.B * k.L, 2 * H}).contiguous();
    auto d_input = torch::empty({k.tokens, 2 * GH}, x_rows.options());
    auto d_hidden = k.lstm ? d_input : torch::empty({k.tokens, 2 * GH}, x_rows.options());
    AT_DISPATCH_FLOATING_TYPES(x_rows.scalar_type(), "FusedBiRnnBackward", [&] {
      const scalar_t* wh[2] = {saved[2].data_ptr<scalar_t>(), saved[3].data_ptr<scalar_t>()};
      BackwardLoop<scalar_t>(k, wh, gates.data_ptr<scalar_t>(), aux.data_ptr<scalar_t>(),
                             h_prev.data_ptr<scalar_t>(), dy.data_ptr<scalar_t>(),
                             d_input.data_ptr<scalar_t>(), d_hidden.data_ptr<scalar_t>());
    });
    variable_list grads(12);
    const auto dx_rows = torch::mm(d_input, w_ih);  // [tokens, I]
    grads[0] = (k.padded() ? torch::zeros({k.B * k.L, k.I}, dx_rows.options())
                                 .index_copy_(0, k.PaddedRows(dx_rows.device()), dx_rows)
                           : dx_rows)
                   .view({k.B, k.L, k.I});
    // Both directions' input weights and biases share their input: one product and one sum for the two.
    const auto d_w_ih = torch::mm(d_input.t(), x_rows);  // [2·GH, I]
    const auto d_b_ih = d_input.sum(0);
    // The LSTM's b_hh has b_ih's gradient, as a tensor of its own: autograd may keep an incoming gradient as
    // the parameter's .grad, and two parameters sharing one would each accumulate both.
    const auto d_b_hh = k.lstm ? d_b_ih.clone() : d_hidden.sum(0);
    for (int d = 0; d < 2; ++d) {
      grads[1 + 4 * d] = d_w_ih.narrow(0, d * GH, GH);
      grads[2 + 4 * d] = torch::mm(d_hidden.narrow(1, d * GH, GH).t(), h_prev.narrow(1, d * H, H));
      grads[3 + 4 * d] = d_b_ih.narrow(0, d * GH, GH);
      grads[4 + 4 * d] = d_b_hh.narrow(0, d * GH, GH);
    }
    return grads;
  }
};

}  // namespace

torch::Tensor FusedBiRnn(config::CellType cell, const torch::Tensor& x, const std::vector<int64_t>& lengths,
                         const RnnWeights& forward, const RnnWeights& backward) {
  if (!x.device().is_cpu() || x.dim() != 3 || static_cast<int64_t>(lengths.size()) != x.size(0))
    throw std::invalid_argument("FusedBiRnn: expects CPU input [B, L, I] and B lengths");
  for (const int64_t n : lengths)
    if (n < 1 || n > x.size(1)) throw std::invalid_argument("FusedBiRnn: a length is outside [1, L]");
  bool for_backward = false;
  if (torch::GradMode::is_enabled())
    for (const auto* t : {&x, &forward.w_ih, &forward.w_hh, &forward.b_ih, &forward.b_hh, &backward.w_ih,
                          &backward.w_hh, &backward.b_ih, &backward.b_hh})
      for_backward = for_backward || t->requires_grad();
  return FusedBiRnnFunction::apply(x, forward.w_ih, forward.w_hh, forward.b_ih, forward.b_hh, backward.w_ih,
                                   backward.w_hh, backward.b_ih, backward.b_hh,
                                   cell == config::CellType::kLstm, lengths, for_backward);
}

}  // namespace dts::model
