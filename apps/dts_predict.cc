// dts-predict: run a trained trial file's best model over a corpus and write JSON lines.
#include <boost/program_options.hpp>
#include <iostream>

#include "common/app.h"
#include "common/error.h"
#include "config/data_config.h"
#include "data/atomic_file.h"
#include "data/readers.h"
#include "model/allocator.h"
#include "model/checkpoint.h"
#include "model/device.h"
#include "schema/trial_file.h"
#include "worker/evaluation.h"

namespace po = boost::program_options;

int main(int argc, char** argv) {
  dts::model::KeepFreedMemoryForReuse();
  return dts::RunApp("dts-predict", argc, argv, [](std::vector<std::string>& args) {
    std::string model_path, input, out, device;
    // --format is data.format: its choices come from the [data] table, declared once there.
    const auto& data_table = dts::config::DataParams();
    dts::config::DataConfig data;
    std::string format = data_table.Find("format")->get(data);
    double theta = -1;
    int threads = 1;
    po::options_description options("dts-predict --model TRIAL.h5 --input FILE [options]");
    options.add_options()("help,h", "show this help")("model", po::value(&model_path)->required(),
                                                      "trial file (dts-train --out) whose best model to use")(
        "input", po::value(&input)->required(), "corpus to annotate")(
        "format", po::value(&format)->default_value(format),
        ("corpus format: " + dts::ChoicesText(data_table, "format") + " (like data.format)").c_str())(
        "out", po::value(&out), "write JSON lines here instead of stdout")(
        "theta-r", po::value(&theta), "relation threshold (default: the one the trial chose)")(
        "device", po::value(&device)->default_value("auto"), "auto | cpu | cuda:N")(
        "threads", po::value(&threads)->default_value(1), "CPU threads");
    const po::variables_map vm = dts::ParseCommandLine(args, options);
    if (vm.count("help")) {
      std::cout << options << std::endl;
      return 0;
    }
    dts::SetFromOption(data_table, "format", "--format", format, data);
    torch::set_num_threads(threads);
    const auto trial = dts::schema::ReadTrialFile(model_path, /*with_checkpoints=*/true);
    if (!trial.best_model)
      throw dts::IoError(
          model_path, std::string("has no trained model (status ") + dts::schema::Name(trial.status) + ")");
    const torch::Device torch_device = dts::model::ResolveDevice(device);
    auto checkpoint = dts::model::LoadCheckpoint(*trial.best_model, torch_device, model_path);
    const float theta_r = static_cast<float>(theta >= 0 ? theta : trial.theta_r);

    const auto corpus = dts::data::ReadCorpus(data.format, input);

    const auto predictions = dts::worker::PredictCorpus(checkpoint.model, corpus, torch_device);
    auto write = [&](std::ostream& sink) {
      for (size_t i = 0; i < predictions.size(); ++i)
        sink << dts::worker::PredictionJson(corpus.sentences[i], predictions[i], theta_r) << '\n';
    };
    if (out.empty()) {
      write(std::cout);
      std::cout.flush();
      if (!std::cout) throw dts::IoError("stdout", "write failed");
    } else {
      // Atomically: a good older file at --out survives any failure.
      dts::data::WriteFileAtomically(out, write);
    }
    return 0;
  });
}
