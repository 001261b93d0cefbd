// Training and inference throughput of the joint model on one CPU thread, in sentences per second, for the
// architectures the issue names (1+1+1 and 3+3+3 layers, LSTM and GRU, H = 64, batch 16), on ADE sentences
// (../shared/data/ade when present, else synthetic sentences of ADE-like length). As in the PyTorch
// implementation's bench.py, batches are built before the timed loops; the time to build one is printed
// beside the rates, not in them. Prints figures; asserts nothing. With --device cuda[:N] the same measurement
// runs on a GPU, timed by the wall clock after synchronising.
//
//   build-*/bench/model_throughput [--sentences N] [--ade PATH] [--char-dim 25] [--device cpu|cuda:N]
//                                  [--batch 16] [--repeat N] [--infer-only 1] [--malloc-default 1]
//                                  [--file-order-all 1] [--case 1:lstm:file ...]
//                                  [--profile FILE]        (--help lists them with their defaults)
#include <sys/resource.h>
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/torch.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "common/app.h"
#include "common/error.h"
#include "data/readers.h"
#include "model/allocator.h"
#include "model/batch.h"
#include "model/device.h"
#include "model/joint_model.h"
#include "model/optimizer.h"

namespace po = boost::program_options;
namespace config = dts::config;
namespace model = dts::model;
namespace data = dts::data;

namespace {

torch::Device g_device(torch::kCPU);
int g_batch_size = 16;
int g_repeat = 1;           // --repeat N: run each measured loop N times (a longer window for perf record)
bool g_infer_only = false;  // --infer-only: skip the training measurement (profiling inference)

// On the CPU, process CPU time, not wall time: with one thread they agree on an idle machine, and CPU time
// stays meaningful on a shared, oversubscribed one (CI, developer machines running builds). On a GPU, the
// wall clock once the queued kernels have finished.
double Now() {
  timespec ts{};
  if (g_device.is_cuda()) {
    torch::cuda::synchronize(g_device.index());
    clock_gettime(CLOCK_MONOTONIC, &ts);
  } else {
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  }
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

long PeakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

// 20-30 tokens, one drug and one effect with a relation, like an ADE sentence.
std::vector<data::Sentence> Synthetic(int n) {
  std::mt19937 rng(1);
  std::vector<data::Sentence> out;
  for (int i = 0; i < n; ++i) {
    data::Sentence s;
    s.id = "syn:" + std::to_string(i);
    const int length = 20 + static_cast<int>(rng() % 11);
    for (int t = 0; t < length; ++t) s.tokens.push_back({"w" + std::to_string(rng() % 3000), -1, -1});
    const int drug = static_cast<int>(rng() % (length - 6));
    s.entities = {{"Drug", drug, drug + 1}, {"Adverse-Effect", drug + 3, drug + 5}};
    s.relations = {{"Adverse-Effect", 1, 0}};
    out.push_back(s);
  }
  return out;
}

// The model's arithmetic per sentence, from its matrix products (2 FLOPs per multiply-add): each BiRNN
// layer's input projection and recurrent product on the real tokens, the character BiRNN on each batch's
// distinct strings (what a training step computes; inference caches them across batches and does less), the
// NER FFNNs on the real tokens, the relation scorer on the gold entities (DistMult and cosine over every
// pair). Elementwise work (gates, CRF, softmax) is left out: it is small next to these. A training step's
// backward pass computes two products per forward product (input and weight gradients): 3x in all.
double ForwardFlopsPerSentence(const config::ModelConfig& c, const model::Vocabularies& v,
                               const std::vector<model::Batch>& batches) {
  const double gates = c.cell == config::CellType::kLstm ? 4 : 3;
  const auto birnn = [&](double positions, double input, double hidden) {
    return positions * 2 * (2 * input * gates * hidden + 2 * hidden * gates * hidden);  // two directions
  };
  const double H = c.hidden, T = v.NumTags(), K = v.relation_types.Size();
  const double word_input =
      c.word_dim + (c.char_dim > 0 ? 2 * c.char_hidden : 0) + (c.casing ? model::kCasingCount - 1 : 0);
  const double pair_width = 2 * H + c.label_dim;
  double flops = 0, sentences = 0;
  for (const auto& batch : batches) {
    double tokens = 0;
    for (const int64_t n : batch.host_lengths) tokens += n;
    sentences += batch.size;
    if (c.char_dim > 0) flops += birnn(batch.char_lengths.sum().item<double>(), c.char_dim, c.char_hidden);
    flops += birnn(tokens, word_input, H) +
             (c.shared_layers - 1 + c.ner_layers + c.re_layers) * birnn(tokens, 2 * H, H);
    flops += tokens * 2 * (2 * H * c.ner_ffnn_size + c.ner_ffnn_size * T);
    const auto entities = batch.entity_mask.sum(1).to(torch::kDouble);
    for (int64_t b = 0; b < batch.size; ++b) {
      const double E = entities[b].item<double>();
      flops += E * E * 2 * K * pair_width + E * 2 * pair_width * c.re_ffnn_size + E * E * 2 * c.re_ffnn_size;
    }
  }
  return flops / sentences;
}

// Single-thread sgemm rate (GFLOP/s) for C[m, n] = A[m, k] · B[k, n] through torch::mm, over >= 0.5 CPU s.
double SgemmRate(int64_t m, int64_t n, int64_t k) {
  const auto a = torch::randn({m, k}), b = torch::randn({k, n});
  auto c = torch::mm(a, b);
  int64_t calls = 0;
  const double start = Now();
  double elapsed = 0;
  while ((elapsed = Now() - start) < 0.5) {
    for (int i = 0; i < 20; ++i) torch::mm_out(c, a, b);
    calls += 20;
  }
  return 2.0 * m * n * k * calls / elapsed / 1e9;
}

struct Result {
  double train_per_s, infer_per_s;
  double forward_flops;  // per sentence, ForwardFlopsPerSentence
  int64_t parameters;
  double batch_ms;                          // building one training batch (not in the rates)
  double forward_ms, backward_ms, step_ms;  // per training batch
};

Result Measure(const config::ModelConfig& config, const model::Vocabularies& vocabularies,
               const std::vector<data::Sentence>& sentences, bool bucketed) {
  torch::manual_seed(1);
  model::JointModel net(config, vocabularies);
  net->to(g_device);
  auto optimizer = model::MakeOptimizer(config::OptimConfig{}, net->TrainableParameters());
  const int batch_size = g_batch_size;
  std::vector<std::vector<int>> batches;
  if (bucketed) {
    batches = model::LengthBucketedBatches(sentences, batch_size, 1);
  } else {
    for (std::size_t i = 0; i < sentences.size(); i += batch_size) {
      batches.emplace_back();
      for (std::size_t j = i; j < std::min(sentences.size(), i + batch_size); ++j)
        batches.back().push_back(j);
    }
  }
  auto pointers = [&](const std::vector<int>& ids) {
    std::vector<const data::Sentence*> out;
    out.reserve(ids.size());
    for (int i : ids) out.push_back(&sentences[i]);
    return out;
  };
  // Batches are built before the timed loops, as the PyTorch implementation's bench.py does; building them
  // is timed on its own (the "build" column).
  double build_start = Now();
  std::vector<model::Batch> train_batches, infer_batches;
  for (const auto& ids : batches)
    train_batches.push_back(model::MakeBatch(pointers(ids), vocabularies, g_device, true));
  const double build_s = Now() - build_start;
  for (const auto& ids : batches)
    infer_batches.push_back(model::MakeBatch(pointers(ids), vocabularies, g_device, false));
  double phase[3] = {0, 0, 0};
  auto train = [&](const model::Batch& batch) {
    double t1 = Now();
    model::ClearGradients(*optimizer);
    const auto loss = net->Loss(batch, 5.0).total;
    double t2 = Now();
    loss.backward();
    double t3 = Now();
    optimizer->step();
    double t4 = Now();
    phase[0] += t2 - t1, phase[1] += t3 - t2, phase[2] += t4 - t3;
  };
  net->train();
  for (std::size_t i = 0; i < std::min<std::size_t>(3, batches.size()); ++i)
    train(train_batches[i]);  // warm-up
  for (double& p : phase) p = 0;
  double start = Now();
  for (int r = 0; r < (g_infer_only ? 0 : g_repeat); ++r)
    for (const auto& batch : train_batches) train(batch);
  const double train_s = (Now() - start) / g_repeat;
  const double per_batch_ms = 1000.0 / (batches.size() * g_repeat);
  start = Now();
  for (int r = 0; r < g_repeat; ++r)
    for (const auto& batch : infer_batches) net->Predict(batch);
  const double infer_s = (Now() - start) / g_repeat;
  return {g_infer_only ? 0.0 : sentences.size() / train_s,
          sentences.size() / infer_s,
          ForwardFlopsPerSentence(config, vocabularies, train_batches),
          net->TrainableParameterCount(),
          1000.0 * build_s / batches.size(),
          phase[0] * per_batch_ms,
          phase[1] * per_batch_ms,
          phase[2] * per_batch_ms};
}

struct Options {
  int sentences = 800;
  std::string ade = "../shared/data/ade/DRUG-AE.rel";
  int char_dim = 25;
  std::string profile;  // --profile FILE: chrome trace of 1+1+1 LSTM training batches, then exit
  std::string device = "cpu";
  // As dts-train does; --malloc-default 1 measures without (the difference is docs/benchmarks.md's figure).
  bool default_malloc = false;
  // Every configuration also in file order, the like-for-like comparison with the peer's unbucketed batches
  // (bench/compare_peer.py); by default only 1+1+1 LSTM is measured both ways.
  bool file_order_all = false;
  // --case LAYERS:CELL:ORDER (e.g. 1:lstm:file, 3:gru:bucketed), repeatable: measure only these (profiling).
  std::vector<std::string> cases;
};

int Run(const Options& options) {
  const int n = options.sentences;
  const int char_dim = options.char_dim;
  const std::string& profile = options.profile;
  const std::string& ade = options.ade;
  if (!options.default_malloc) model::KeepFreedMemoryForReuse();
  torch::set_num_threads(1);
  std::vector<data::Sentence> sentences;
  std::string source;
  if (std::filesystem::exists(ade)) {
    sentences = data::ReadCorpus(config::CorpusFormat::kAde, ade).sentences;
    if (static_cast<int>(sentences.size()) > n) sentences.resize(n);
    source = ade;
  } else {
    sentences = Synthetic(n);
    source = "synthetic (20-30 tokens)";
  }
  double tokens = 0;
  for (const auto& s : sentences) tokens += s.tokens.size();
  std::printf(
      "sentences: %zu from %s, mean length %.1f tokens; device %s, 1 thread, batch %d, H = 64, other dims "
      "default; rates per %s second\n",
      sentences.size(), source.c_str(), tokens / sentences.size(), g_device.str().c_str(), g_batch_size,
      g_device.is_cuda() ? "wall-clock" : "CPU");
  const auto vocabularies = model::BuildVocabularies(sentences, config::DataConfig{}, nullptr);
  if (g_device.is_cpu())
    std::printf(
        "one-core sgemm (torch::mm): %.1f GFLOP/s at [352 x 155] x [155 x 512] (a batch's input projection), "
        "%.1f at 1024^3\n",
        SgemmRate(352, 512, 155), SgemmRate(1024, 1024, 1024));
  if (!profile.empty()) {
    config::ModelConfig config;
    config.hidden = 64;
    config.char_dim = char_dim;
    model::JointModel net(config, vocabularies);
    auto optimizer = model::MakeOptimizer(config::OptimConfig{}, net->TrainableParameters());
    const auto batches = model::LengthBucketedBatches(sentences, 16, 1);
    torch::autograd::profiler::RecordProfile guard(profile);
    for (std::size_t b = 0; b < std::min<std::size_t>(10, batches.size()); ++b) {
      std::vector<const data::Sentence*> ptrs;
      for (int i : batches[b]) ptrs.push_back(&sentences[i]);
      const auto batch = model::MakeBatch(ptrs, vocabularies, torch::kCPU, true);
      model::ClearGradients(*optimizer);
      net->Loss(batch, 5.0).total.backward();
      optimizer->step();
    }
    return 0;
  }
  std::printf(
      "| layers (shared+NER+RE) | cell | batches | parameters | train sent/s | inference sent/s | "
      "ms/batch: build (not in the rates), forward, backward, step | forward MFLOP/sentence | GFLOP/s: "
      "train (3x forward), inference |\n");
  std::printf("|---|---|---|---:|---:|---:|---|---:|---:|\n");
  struct Case {
    int layers;
    config::CellType cell;
    bool bucketed;
  };
  std::vector<Case> cases = {Case{1, config::CellType::kLstm, false}, Case{1, config::CellType::kLstm, true},
                             Case{1, config::CellType::kGru, true}, Case{3, config::CellType::kLstm, true},
                             Case{3, config::CellType::kGru, true}};
  if (options.file_order_all)
    cases.insert(cases.end(),
                 {Case{1, config::CellType::kGru, false}, Case{3, config::CellType::kLstm, false},
                  Case{3, config::CellType::kGru, false}});
  if (!options.cases.empty()) {
    std::vector<Case> chosen;
    for (const std::string& spec : options.cases) {
      const auto first = spec.find(':'), second = spec.rfind(':');
      const std::string cell = first == std::string::npos ? "" : spec.substr(first + 1, second - first - 1);
      const std::string order = second == std::string::npos ? "" : spec.substr(second + 1);
      if (first == second || (cell != "lstm" && cell != "gru") || (order != "file" && order != "bucketed") ||
          (spec[0] != '1' && spec[0] != '2' && spec[0] != '3') || first != 1)
        throw dts::UsageError("--case '" + spec +
                              "': expected LAYERS:CELL:ORDER, e.g. 1:lstm:file, 3:gru:bucketed");
      chosen.push_back(Case{spec[0] - '0', cell == "lstm" ? config::CellType::kLstm : config::CellType::kGru,
                            order == "bucketed"});
    }
    cases = chosen;
  }
  for (const Case c : cases) {
    config::ModelConfig config;
    config.hidden = 64;
    config.char_dim = char_dim;
    config.cell = c.cell;
    config.shared_layers = config.ner_layers = config.re_layers = c.layers;
    const auto r = Measure(config, vocabularies, sentences, c.bucketed);
    std::printf("| %d+%d+%d | %s | %s | %lld | %.0f | %.0f | %.1f, %.1f, %.1f, %.1f | %.1f | %.1f / %.1f |\n",
                c.layers, c.layers, c.layers, c.cell == config::CellType::kLstm ? "LSTM" : "GRU",
                c.bucketed ? "length-bucketed" : "file order", static_cast<long long>(r.parameters),
                r.train_per_s, r.infer_per_s, r.batch_ms, r.forward_ms, r.backward_ms, r.step_ms,
                r.forward_flops / 1e6, 3 * r.forward_flops * r.train_per_s / 1e9,
                r.forward_flops * r.infer_per_s / 1e9);
    std::fflush(stdout);
  }
  std::printf("peak RSS: %ld MiB\n", PeakRssMiB());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return dts::RunApp("model_throughput", argc, argv, [](std::vector<std::string>& args) {
    Options options;
    po::options_description description("model_throughput [options]\n\nOptions");
    description.add_options()("help,h", "print this help")(
        "sentences", po::value(&options.sentences)->default_value(options.sentences),
        "sentences measured: the first N of --ade, else N synthetic ones")(
        "ade", po::value(&options.ade)->default_value(options.ade),
        "ADE corpus (DRUG-AE.rel); synthetic sentences of ADE-like length when the file is missing")(
        "char-dim", po::value(&options.char_dim)->default_value(options.char_dim),
        "character embedding size, model.char_dim (0: no character BiRNN)")(
        "device", po::value(&options.device)->default_value(options.device), "cpu or cuda:N (also auto)")(
        "batch", po::value(&g_batch_size)->default_value(g_batch_size), "sentences per batch")(
        "repeat", po::value(&g_repeat)->default_value(g_repeat),
        "run each measured loop N times (a longer window for perf record)")(
        "infer-only", po::value(&g_infer_only)->default_value(g_infer_only),
        "1: skip the training measurement (profiling inference)")(
        "file-order-all", po::value(&options.file_order_all)->default_value(options.file_order_all),
        "1: every configuration also in file order (the like-for-like comparison with the peer)")(
        "case", po::value(&options.cases)->composing(),
        "measure only LAYERS:CELL:ORDER (1:lstm:file, 3:gru:bucketed, ...); repeatable")(
        "malloc-default", po::value(&options.default_malloc)->default_value(options.default_malloc),
        "1: glibc's default malloc settings, not dts-train's (model/allocator.h)")(
        "profile", po::value(&options.profile),
        "write a Chrome trace of ten 1+1+1 LSTM training batches to this file, then exit");
    const po::variables_map vm = dts::ParseCommandLine(args, description);
    if (vm.count("help")) {
      std::cout << description;
      return 0;
    }
    if (options.sentences < 1) throw dts::UsageError("--sentences must be at least 1");
    if (options.char_dim < 0) throw dts::UsageError("--char-dim must be at least 0");
    if (g_batch_size < 1) throw dts::UsageError("--batch must be at least 1");
    if (g_repeat < 1) throw dts::UsageError("--repeat must be at least 1");
    g_device = model::ResolveDevice(options.device);
    return Run(options);
  });
}
