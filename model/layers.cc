#include "model/layers.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <stdexcept>

#include "model/multiversion.h"

namespace dts::model {

namespace F = torch::nn::functional;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

namespace {

// mask[i] = scale if hash(i) >= threshold else 0. The hash is two rounds of a 32-bit integer mixer (Wellons'
// lowbias32): the first over the index and the seed's low half, the second after the high half is mixed in,
// so every seed bit reaches every output bit. Independent per element, and the loop vectorises (no
// sequential generator state).
DTS_ALWAYS_INLINE uint32_t Mix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}
DTS_TARGET_CLONES void FillDropoutMask(float* __restrict mask, int64_t n, uint64_t seed, uint32_t threshold,
                                       float scale) {
  const auto low = static_cast<uint32_t>(seed), high = static_cast<uint32_t>(seed >> 32);
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t x = Mix32(Mix32(static_cast<uint32_t>(i) * 0x9e3779b9u + low) ^ high);
    mask[i] = x >= threshold ? scale : 0.0f;
  }
}

uint64_t DrawFromGlobalGenerator() {
  auto generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  return at::check_generator<at::CPUGeneratorImpl>(generator)->random64();
}

}  // namespace

torch::Tensor Dropout(const torch::Tensor& x, double p, bool training) {
  if (!training || p <= 0) return x;
  if (!x.device().is_cpu() || x.scalar_type() != torch::kFloat || p >= 1 || x.numel() >= (int64_t{1} << 32))
    return F::dropout(x, F::DropoutFuncOptions().p(p).training(true));
  auto mask = torch::empty(x.sizes(), x.options().requires_grad(false));
  const double threshold = std::ldexp(p, 32);
  FillDropoutMask(mask.data_ptr<float>(), mask.numel(), DrawFromGlobalGenerator(),
                  static_cast<uint32_t>(std::min(threshold, 4294967295.0)),
                  static_cast<float>(1.0 / (1.0 - p)));
  return x * mask;
}

torch::Tensor Activate(config::Activation activation, const torch::Tensor& x) {
  switch (activation) {
    case config::Activation::kRelu:
      return torch::relu(x);
    case config::Activation::kTanh:
      return torch::tanh(x);
    case config::Activation::kSigmoid:
      return torch::sigmoid(x);
    case config::Activation::kGelu:
      return torch::gelu(x);
    case config::Activation::kElu:
      return torch::elu(x);
    case config::Activation::kLinear:
      return x;
  }
  throw std::logic_error("Activate: unknown activation");
}

void InitEmbedding(config::EmbeddingInit init, torch::Tensor& weight) {
  if (init == config::EmbeddingInit::kNormal) return;  // torch::nn::Embedding's own N(0, 1)
  torch::NoGradGuard no_grad;
  const double bound = std::sqrt(3.0 / static_cast<double>(weight.size(1)));
  weight.uniform_(-bound, bound);
}

SequenceLayout SequenceLayout::Make(const torch::Tensor& lengths, int64_t max_len,
                                    const torch::Device& device) {
  const auto n = lengths.to(device, torch::kInt64).unsqueeze(1);  // [B, 1]
  const auto t = torch::arange(max_len, torch::TensorOptions(torch::kInt64).device(device)).unsqueeze(0);
  const auto host = lengths.to(torch::kCPU, torch::kInt64).contiguous();
  const int64_t* data = host.data_ptr<int64_t>();
  return {n.squeeze(1) - 1, torch::where(t < n, n - 1 - t, t),
          std::vector<int64_t>(data, data + host.numel())};
}

torch::Tensor ReverseWithin(const torch::Tensor& x, const SequenceLayout& layout) {
  return x.gather(1, layout.reverse.unsqueeze(2).expand({-1, -1, x.size(2)}));
}

BiRnnLayerImpl::BiRnnLayerImpl(config::CellType cell, int64_t input_size, int64_t hidden_size) : cell_(cell) {
  const char* names[2] = {"forward", "backward"};
  for (int d = 0; d < 2; ++d) {
    switch (cell) {
      case config::CellType::kLstm:
        lstm_[d] = register_module(
            names[d], torch::nn::LSTM(torch::nn::LSTMOptions(input_size, hidden_size).batch_first(true)));
        break;
      case config::CellType::kGru:
        gru_[d] = register_module(
            names[d], torch::nn::GRU(torch::nn::GRUOptions(input_size, hidden_size).batch_first(true)));
        break;
    }
  }
}

torch::Tensor BiRnnLayerImpl::Run(int direction, const torch::Tensor& x) {
  if (lstm_[direction]) return std::get<0>(lstm_[direction]->forward(x));
  return std::get<0>(gru_[direction]->forward(x));
}

RnnWeights BiRnnLayerImpl::Weights(int direction) const {
  const torch::nn::Module& rnn = lstm_[direction] ? static_cast<const torch::nn::Module&>(*lstm_[direction])
                                                  : static_cast<const torch::nn::Module&>(*gru_[direction]);
  const auto p = rnn.named_parameters(/*recurse=*/false);
  return {p["weight_ih_l0"], p["weight_hh_l0"], p["bias_ih_l0"], p["bias_hh_l0"]};
}

torch::Tensor BiRnnLayerImpl::forward(const torch::Tensor& x, const SequenceLayout& layout) {
  if (x.device().is_cpu()) return FusedBiRnn(cell_, x, layout.lengths, Weights(0), Weights(1));
  return torch::cat({Run(0, x), ReverseWithin(Run(1, ReverseWithin(x, layout)), layout)}, 2);
}

torch::Tensor BiRnnLayerImpl::FinalStates(const torch::Tensor& x, const SequenceLayout& layout) {
  // The forward direction ends at the last real token; the backward one at the first, which is position
  // length - 1 of its reversed run.
  const auto index = layout.last.view({-1, 1, 1});
  auto last_of = [&](const torch::Tensor& y) {
    return y.gather(1, index.expand({-1, 1, y.size(2)})).squeeze(1);
  };
  if (x.device().is_cpu()) {
    const auto y = forward(x, layout);
    const int64_t H = y.size(2) / 2;
    return torch::cat({last_of(y.narrow(2, 0, H)), y.select(1, 0).narrow(1, H, H)}, 1);
  }
  return torch::cat({last_of(Run(0, x)), last_of(Run(1, ReverseWithin(x, layout)))}, 1);
}

BiRnnStackImpl::BiRnnStackImpl(config::CellType cell, int64_t input_size, int64_t hidden_size, int layers,
                               double dropout)
    : dropout_(dropout), output_size_(layers > 0 ? 2 * hidden_size : input_size) {
  for (int i = 0; i < layers; ++i) {
    layers_.push_back(register_module("layer" + std::to_string(i),
                                      BiRnnLayer(cell, i == 0 ? input_size : 2 * hidden_size, hidden_size)));
  }
}

torch::Tensor BiRnnStackImpl::forward(const torch::Tensor& input, const SequenceLayout& layout) {
  torch::Tensor x = input;
  for (auto& layer : layers_) {
    x = Dropout(x, dropout_, is_training());
    x = layer->forward(x, layout);
  }
  return x;
}

EmbedderImpl::EmbedderImpl(const config::ModelConfig& config, int64_t words, int64_t chars,
                           const torch::Tensor& word_vectors)
    : config_(config) {
  word_ = register_module("word", torch::nn::Embedding(words, config.word_dim));
  InitEmbedding(config.embedding_init, word_->weight);
  if (word_vectors.defined()) {
    if (word_vectors.dim() != 2 || word_vectors.size(0) != words || word_vectors.size(1) != config.word_dim)
      throw std::invalid_argument("Embedder: word vectors must be [" + std::to_string(words) + ", " +
                                  std::to_string(config.word_dim) + "]");
    torch::NoGradGuard no_grad;
    word_->weight.copy_(word_vectors);
  }
  if (config.freeze_word_vectors) word_->weight.set_requires_grad(false);
  output_size_ = config.word_dim;
  if (config.char_dim > 0) {
    char_ = register_module("char", torch::nn::Embedding(chars, config.char_dim));
    InitEmbedding(config.embedding_init, char_->weight);
    char_rnn_ = register_module("char_rnn", BiRnnLayer(config.cell, config.char_dim, config.char_hidden));
    output_size_ += 2 * config.char_hidden;
  }
  if (config.casing) output_size_ += kCasingCount - 1;
  if (config.contextual) {
    mix_weights_ = register_parameter("mix_weights", torch::zeros({config.contextual_layers}));
    mix_scale_ = register_parameter("mix_scale", torch::ones({1}));
    output_size_ += config.contextual_dim;
  }
}

torch::Tensor CharStateCache::Lookup(
    const torch::Tensor& char_ids, const torch::Tensor& char_lengths,
    const std::vector<torch::Tensor>& weights,
    const std::function<torch::Tensor(const torch::Tensor&, const torch::Tensor&)>& encode) {
  std::vector<std::pair<const void*, uint32_t>> signature;
  for (const auto& w : weights) signature.emplace_back(w.data_ptr(), w._version());
  if (signature != signature_ || rows_ > kMaxEntries) {
    signature_ = std::move(signature);
    row_of_.clear();
    rows_ = 0;
  }
  const auto ids = char_ids.contiguous();
  const auto lengths = char_lengths.to(torch::kInt64).contiguous();
  const int64_t U = ids.size(0), C = ids.size(1);
  const int64_t* id = ids.data_ptr<int64_t>();
  const int64_t* length = lengths.data_ptr<int64_t>();
  std::vector<int64_t> rows(U), missing;
  for (int64_t u = 0; u < U; ++u) {
    std::string key(reinterpret_cast<const char*>(id + u * C), length[u] * sizeof(int64_t));
    const auto it = row_of_.find(key);
    if (it != row_of_.end()) {
      rows[u] = it->second;
      continue;
    }
    // A string repeated within the batch is encoded once.
    const auto [pending, inserted] =
        row_of_.emplace(std::move(key), rows_ + static_cast<int64_t>(missing.size()));
    rows[u] = pending->second;
    if (inserted) missing.push_back(u);
  }
  if (!missing.empty()) try {
      const auto subset = torch::tensor(missing, torch::kInt64);
      const auto sub_lengths = lengths.index_select(0, subset);
      const auto states = encode(ids.index_select(0, subset).narrow(1, 0, sub_lengths.max().item<int64_t>()),
                                 sub_lengths);  // [M, 2h]
      const int64_t needed = rows_ + states.size(0);
      if (!values_.defined() || values_.size(0) < needed) {
        auto grown =
            torch::empty({std::max<int64_t>(needed, 2 * rows_ + 1024), states.size(1)}, states.options());
        if (rows_ > 0) grown.narrow(0, 0, rows_).copy_(values_.narrow(0, 0, rows_));
        values_ = grown;
      }
      values_.narrow(0, rows_, states.size(0)).copy_(states);
      rows_ = needed;
    } catch (...) {
      row_of_.clear();  // the pending rows were never filled
      rows_ = 0;
      throw;
    }
  return values_.index_select(0, torch::tensor(rows, torch::kInt64));
}

torch::Tensor EmbedderImpl::forward(const Batch& batch) {
  std::vector<torch::Tensor> parts{word_->forward(batch.words)};
  if (char_) {
    const auto encode = [&](const torch::Tensor& ids, const torch::Tensor& lengths) {
      const auto layout = SequenceLayout::Make(lengths, ids.size(1), ids.device());
      return char_rnn_->FinalStates(char_->forward(ids), layout);  // [U, 2h]
    };
    const bool cached =
        !is_training() && c10::InferenceMode::is_enabled() && batch.char_ids.device().is_cpu();
    auto per_string = cached ? char_cache_.Lookup(batch.char_ids, batch.char_lengths, parameters(), encode)
                             : encode(batch.char_ids, batch.char_lengths);
    per_string = torch::cat({per_string, per_string.new_zeros({1, per_string.size(1)})}, 0);
    parts.push_back(per_string.index_select(0, batch.token_types.reshape(-1))
                        .view({batch.size, batch.max_len, per_string.size(1)}));
  }
  if (config_.casing) {
    parts.push_back(
        F::one_hot(batch.casing, kCasingCount).narrow(-1, 1, kCasingCount - 1).to(parts[0].scalar_type()));
  }
  if (config_.contextual) {
    if (!batch.contextual.defined())
      throw std::invalid_argument(
          "Embedder: model.contextual is on but the batch has no contextual embeddings");
    const auto weights = torch::softmax(mix_weights_, 0).view({1, -1, 1, 1});
    parts.push_back((batch.contextual * weights).sum(1) * mix_scale_);
  }
  return torch::cat(parts, -1);
}

CrfImpl::CrfImpl(int64_t num_tags) {
  transitions = register_parameter("transitions", torch::empty({num_tags, num_tags}).uniform_(-0.1, 0.1));
  start = register_parameter("start", torch::empty({num_tags}).uniform_(-0.1, 0.1));
  end = register_parameter("end", torch::empty({num_tags}).uniform_(-0.1, 0.1));
}

namespace {

// log Z of a linear-chain CRF and its gradient as one autograd node, on the host. Recording the forward
// algorithm with tensor ops costs about ten autograd nodes per time step (logsumexp, select, where and their
// backward nodes, one of which zero-fills the whole emission tensor at every step); this is one loop forward
// and one backward (forward-backward marginals), in double whatever the model's precision.
class CrfLogPartitionFunction : public torch::autograd::Function<CrfLogPartitionFunction> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& emissions,
                               const torch::Tensor& transitions, const torch::Tensor& start,
                               const torch::Tensor& end, const std::vector<int64_t>& lengths) {
    const int64_t B = emissions.size(0), L = emissions.size(1), T = emissions.size(2);
    const auto e = Host(emissions), tr = Host(transitions), st = Host(start), en = Host(end);
    auto alpha =
        torch::empty({B, L, T}, torch::kDouble);  // alpha[b, t, j]: log-sum over prefixes ending in j
    auto log_z = torch::empty({B}, torch::kDouble);
    double* z = log_z.data_ptr<double>();
    const double *ep = e.data_ptr<double>(), *trans = tr.data_ptr<double>();
    const double *first = st.data_ptr<double>(), *last = en.data_ptr<double>();
    double* a = alpha.data_ptr<double>();
    std::vector<double> terms(T);
    for (int64_t b = 0; b < B; ++b) {
      const double* eb = ep + b * L * T;
      double* ab = a + b * L * T;
      for (int64_t j = 0; j < T; ++j) ab[j] = first[j] + eb[j];
      for (int64_t t = 1; t < lengths[b]; ++t) {
        for (int64_t j = 0; j < T; ++j) {
          for (int64_t i = 0; i < T; ++i) terms[i] = ab[(t - 1) * T + i] + trans[i * T + j];
          ab[t * T + j] = LogSumExp(terms) + eb[t * T + j];
        }
      }
      const int64_t n = lengths[b];
      for (int64_t j = 0; j < T; ++j) terms[j] = ab[(n - 1) * T + j] + last[j];
      z[b] = LogSumExp(terms);
    }
    ctx->save_for_backward({e, tr, st, en, alpha, log_z});
    ctx->saved_data["lengths"] = lengths;
    ctx->saved_data["dtype"] = static_cast<int64_t>(emissions.scalar_type());
    return log_z.to(emissions.options());
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const auto &e = saved[0], &tr = saved[1], &alpha = saved[4], &log_z = saved[5];
    const auto& en = saved[3];
    const auto lengths = ctx->saved_data["lengths"].toIntVector();
    const auto dtype = static_cast<torch::ScalarType>(ctx->saved_data["dtype"].toInt());
    const int64_t B = e.size(0), L = e.size(1), T = e.size(2);
    const auto grad = grad_outputs[0].to(torch::kCPU, torch::kDouble).contiguous();
    auto d_emissions = torch::zeros({B, L, T}, torch::kDouble);
    auto d_transitions = torch::zeros({T, T}, torch::kDouble);
    auto d_start = torch::zeros({T}, torch::kDouble), d_end = torch::zeros({T}, torch::kDouble);
    const double *ep = e.data_ptr<double>(), *trans = tr.data_ptr<double>(), *last = en.data_ptr<double>();
    const double *a = alpha.data_ptr<double>(), *z = log_z.data_ptr<double>(), *g = grad.data_ptr<double>();
    double *de = d_emissions.data_ptr<double>(), *dtr = d_transitions.data_ptr<double>();
    double *dst = d_start.data_ptr<double>(), *den = d_end.data_ptr<double>();
    std::vector<double> beta(L * T), terms(T);
    for (int64_t b = 0; b < B; ++b) {
      const int64_t n = lengths[b];
      const double* eb = ep + b * L * T;
      const double* ab = a + b * L * T;
      double* deb = de + b * L * T;
      // beta[t, i]: log-sum over suffixes after position t given tag i at t.
      for (int64_t i = 0; i < T; ++i) beta[(n - 1) * T + i] = last[i];
      for (int64_t t = n - 2; t >= 0; --t) {
        for (int64_t i = 0; i < T; ++i) {
          for (int64_t j = 0; j < T; ++j)
            terms[j] = trans[i * T + j] + eb[(t + 1) * T + j] + beta[(t + 1) * T + j];
          beta[t * T + i] = LogSumExp(terms);
        }
      }
      const double scale = g[b];
      for (int64_t t = 0; t < n; ++t)
        for (int64_t j = 0; j < T; ++j)
          deb[t * T + j] = scale * std::exp(ab[t * T + j] + beta[t * T + j] - z[b]);
      for (int64_t j = 0; j < T; ++j) {
        dst[j] += deb[j];
        den[j] += scale * std::exp(ab[(n - 1) * T + j] + last[j] - z[b]);
      }
      for (int64_t t = 1; t < n; ++t)
        for (int64_t i = 0; i < T; ++i)
          for (int64_t j = 0; j < T; ++j)
            dtr[i * T + j] += scale * std::exp(ab[(t - 1) * T + i] + trans[i * T + j] + eb[t * T + j] +
                                               beta[t * T + j] - z[b]);
    }
    const auto out = [&](const torch::Tensor& t) { return t.to(dtype); };
    return {out(d_emissions), out(d_transitions), out(d_start), out(d_end), torch::Tensor()};
  }

 private:
  static torch::Tensor Host(const torch::Tensor& t) { return t.detach().to(torch::kDouble).contiguous(); }
  static double LogSumExp(const std::vector<double>& x) {
    double m = x[0];
    for (const double v : x) m = std::max(m, v);
    double sum = 0;
    for (const double v : x) sum += std::exp(v - m);
    return m + std::log(sum);
  }
};

}  // namespace

torch::Tensor CrfImpl::LogPartition(const torch::Tensor& emissions, const torch::Tensor& mask) {
  if (emissions.device().is_cpu()) {
    const auto counts = mask.sum(1).to(torch::kInt64).contiguous();
    const int64_t* data = counts.data_ptr<int64_t>();
    return CrfLogPartitionFunction::apply(emissions, transitions, start, end,
                                          std::vector<int64_t>(data, data + counts.numel()));
  }
  const int64_t L = emissions.size(1);
  auto alpha = start.unsqueeze(0) + emissions.select(1, 0);  // [B, T]
  const auto trans = transitions.unsqueeze(0);               // [1, T, T]
  for (int64_t t = 1; t < L; ++t) {
    auto next = torch::logsumexp(alpha.unsqueeze(2) + trans, 1) + emissions.select(1, t);
    alpha = torch::where(mask.select(1, t).unsqueeze(1), next, alpha);
  }
  return torch::logsumexp(alpha + end.unsqueeze(0), 1);
}

torch::Tensor CrfImpl::SequenceScore(const torch::Tensor& emissions, const torch::Tensor& tags,
                                     const torch::Tensor& mask) {
  const int64_t L = emissions.size(1);
  const auto maskf = mask.to(emissions.scalar_type());
  auto score = (emissions.gather(2, tags.unsqueeze(2)).squeeze(2) * maskf).sum(1);
  score = score + start.index_select(0, tags.select(1, 0));
  if (L > 1) {
    const auto from = tags.narrow(1, 0, L - 1), to = tags.narrow(1, 1, L - 1);
    const auto trans = transitions.index({from, to});  // [B, L-1]
    score = score + (trans * maskf.narrow(1, 1, L - 1)).sum(1);
  }
  const auto last = mask.sum(1).sub(1).unsqueeze(1);  // [B, 1]
  return score + end.index_select(0, tags.gather(1, last).squeeze(1));
}

std::vector<std::vector<int64_t>> CrfImpl::Viterbi(const torch::Tensor& emissions,
                                                   const torch::Tensor& mask) {
  // On the host, in one pass: the tensors are small ([B, L, T] with T = 1 + 2 x entity types), and a loop of
  // a few multiply-adds per (token, tag, tag) costs far less than the per-time-step tensor ops it replaces
  // (each a dispatcher round trip). Doubles, so float and double models decode alike.
  torch::NoGradGuard no_grad;
  const int64_t B = emissions.size(0), L = emissions.size(1), T = emissions.size(2);
  const auto host = [](const torch::Tensor& t) {
    return t.detach().to(torch::kCPU, torch::kDouble).contiguous();
  };
  const auto em = host(emissions), tr = host(transitions), st = host(start), en = host(end);
  const auto lengths = mask.sum(1).to(torch::kCPU, torch::kInt64).contiguous();
  const double* e = em.data_ptr<double>();
  const double* trans = tr.data_ptr<double>();
  const double* first = st.data_ptr<double>();
  const double* last = en.data_ptr<double>();
  const int64_t* length_data = lengths.data_ptr<int64_t>();
  std::vector<std::vector<int64_t>> paths(B);
  std::vector<double> score(T), next(T);
  std::vector<int64_t> backpointers;
  for (int64_t b = 0; b < B; ++b) {
    const int64_t n = length_data[b];
    if (n == 0) continue;
    const double* eb = e + b * L * T;
    for (int64_t j = 0; j < T; ++j) score[j] = first[j] + eb[j];
    backpointers.assign(static_cast<size_t>(std::max<int64_t>(0, n - 1) * T), 0);
    for (int64_t t = 1; t < n; ++t) {
      for (int64_t j = 0; j < T; ++j) {
        int64_t best_i = 0;
        double best = score[0] + trans[j];
        for (int64_t i = 1; i < T; ++i) {
          const double candidate = score[i] + trans[i * T + j];
          if (candidate > best) best = candidate, best_i = i;
        }
        next[j] = best + eb[t * T + j];
        backpointers[(t - 1) * T + j] = best_i;
      }
      std::swap(score, next);
    }
    int64_t best_last = 0;
    for (int64_t j = 1; j < T; ++j)
      if (score[j] + last[j] > score[best_last] + last[best_last]) best_last = j;
    auto& path = paths[b];
    path.assign(n, 0);
    path[n - 1] = best_last;
    for (int64_t t = n - 1; t > 0; --t) path[t - 1] = backpointers[(t - 1) * T + path[t]];
  }
  return paths;
}

RelationScorerImpl::RelationScorerImpl(int64_t input_size, int64_t relations, int64_t ffnn_size,
                                       config::Activation activation, double dropout, bool ordered)
    : activation_(activation), dropout_(dropout), ordered_(ordered) {
  distmult = register_parameter(
      "distmult", torch::randn({relations, input_size}) / std::sqrt(static_cast<double>(input_size)));
  r1 = register_module("r1", torch::nn::Linear(input_size, ffnn_size));
  r2 = register_module("r2", torch::nn::Linear(relations + 1, relations));
  if (ordered_) {
    head = register_parameter("head", torch::zeros({relations, input_size}));
    tail = register_parameter("tail", torch::zeros({relations, input_size}));
  }
}

torch::Tensor RelationScorerImpl::PairMask(const torch::Tensor& entity_mask, bool ordered) {
  const int64_t E = entity_mask.size(1);
  const auto ones = torch::ones({E, E}, entity_mask.options());
  const auto allowed = ordered ? (ones.triu(1) | ones.tril(-1)) : ones.triu(1);
  return entity_mask.unsqueeze(2) & entity_mask.unsqueeze(1) & allowed.unsqueeze(0);
}

torch::Tensor RelationScorerImpl::forward(const torch::Tensor& g, const torch::Tensor& entity_mask) {
  const auto x = Dropout(g, dropout_, is_training());
  const auto pairs = PairMask(entity_mask, ordered_);  // [B, E, E]
  // DistMult for every relation type and ordered pair, sum_p x_ip m_kp x_jp: one elementwise product over the
  // pairs and one product with the diagonals ([B·E·E, p] · [p, K]). E is small; a batched matmul of B·K tiny
  // matrices costs LibTorch a loop of per-matrix ops, forward and backward, slower than the arithmetic.
  const auto dm = torch::matmul(x.unsqueeze(2) * x.unsqueeze(1), distmult.t());  // [B, E, E, K]
  const auto f =
      F::normalize(Activate(activation_, r1->forward(x)), F::NormalizeFuncOptions().dim(-1).eps(1e-8));
  const auto cosine_distance = 1.0 - (f.unsqueeze(2) * f.unsqueeze(1)).sum(-1);  // [B, E, E]
  const auto features = torch::cat({dm, cosine_distance.unsqueeze(-1)}, -1);     // [B, E, E, K + 1]
  auto logits = r2->forward(features.index({pairs}));                            // [P, K]
  if (ordered_) {
    // head_k · g_i + tail_k · g_j for every ordered pair: [B, E, 1, K] + [B, 1, E, K].
    const auto as_head = torch::matmul(x, head.t()).unsqueeze(2),
               as_tail = torch::matmul(x, tail.t()).unsqueeze(1);
    logits = logits + (as_head + as_tail).index({pairs});
  }
  return logits;
}

}  // namespace dts::model
