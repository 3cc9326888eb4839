// moe-train: trains a Mixture-of-Experts model from flags or a JSON config, headless.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "compute/backend.h"
#include "core/data/dataset_table.h"
#include "core/train/history_file.h"
#include "core/train/presets.h"
#include "core/train/session_factory.h"

using namespace moe;
using nlohmann::json;

namespace {

double peakRssMb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024.0;
}

void progressBar(long step, long total, const core::StepMetrics& m) {
  const int width = 30, filled = int(width * double(step) / double(std::max(1L, total)));
  std::fprintf(stderr, "\r  [%-*s] %ld/%ld  loss %.4f  metric %.3f  %.0f samples/s ", width,
               std::string(std::size_t(filled), '#').c_str(), step, total, m.loss, m.quality,
               m.samplesPerSecond);
  std::fflush(stderr);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"moe-train: train a Mixture-of-Experts model headless (MoE Explorer)"};
  core::TrainConfig cfg;
  std::string configFile, router = "topk", model = "moe", optimizer = "adam", activation = "relu";
  std::string save, load, historyFile;
  bool asJson = false;
  app.add_option("--config", configFile, "JSON config file; flags given as well override it")
      ->check(CLI::ExistingFile);
  app.add_option("--dataset", cfg.dataset,
                 core::specForms() + "; settings not given default to the dataset's preset");
  std::string datasets = "Datasets (--dataset):";
  for (const core::DatasetEntry& e : core::datasetTable())
    datasets += "\n  " + core::specForm(e) + ": " + e.help + " [" + e.task + "]";
  app.footer(datasets);
  app.add_option("--data-dir", cfg.dataDir, "folder of the dataset (overrides its default)");
  app.add_option("--model", model, "moe | stem-moe | dense-mlp");
  app.add_option("--router", router, "dense | topk | noisy-topk | switch | expert-choice");
  app.add_option("--experts", cfg.model.experts, "number of experts");
  app.add_option("--top-k", cfg.model.topK, "experts per input");
  app.add_option("--capacity-factor", cfg.model.capacityFactor, "Switch / Expert Choice capacity");
  app.add_option("--expert-hidden", cfg.model.expertHidden, "hidden width per expert (0: linear)");
  app.add_option("--activation", activation, "relu | gelu | tanh | silu | ...");
  app.add_option("--stem-width", cfg.model.stemWidth, "stem-moe: stem width");
  app.add_option("--noise", cfg.model.noiseScale, "noisy-topk: noise scale");
  app.add_option("--embedding-l2", cfg.model.embeddingL2,
                 "text/ratings: L2 penalty on the embedding rows a sample uses");
  app.add_option("--epochs", cfg.epochs, "training epochs");
  app.add_option("--batch-size", cfg.batchSize, "batch size");
  app.add_option("--lr", cfg.optim.lr, "learning rate");
  app.add_option("--optimizer", optimizer, "sgd | adam | adamw");
  app.add_option("--weight-decay", cfg.optim.weightDecay, "weight decay");
  app.add_option("--clip-norm", cfg.optim.clipNorm, "global gradient-norm clip (0: off)");
  app.add_option("--aux-loss", cfg.loss.auxWeight, "weight of the Switch load-balancing loss");
  app.add_option("--importance-loss", cfg.loss.importanceWeight, "weight of importance CV^2");
  app.add_option("--load-loss", cfg.loss.loadWeight, "weight of load CV^2");
  app.add_option("--z-loss", cfg.loss.zLossWeight, "weight of the router z-loss");
  app.add_option("--seed", cfg.seed, "random seed");
  app.add_option("--threads", cfg.threads, "CPU threads (0: all cores)");
  app.add_option("--backend", cfg.backend, "cpu | opencl | opencl:PLATFORM:DEVICE");
  app.add_option("--max-train", cfg.maxTrain, "use at most this many training samples");
  app.add_option("--validation-fraction", cfg.validationFraction, "share of train held out");
  app.add_option("--ngram-min", cfg.text.ngramMin, "text: shortest character n-gram");
  app.add_option("--ngram-max", cfg.text.ngramMax, "text: longest character n-gram");
  app.add_option("--hash-buckets", cfg.text.buckets, "text: hash buckets (embedding rows)");
  app.add_option("--save", save, "write a checkpoint here at the end");
  app.add_option("--load", load, "start from this checkpoint")->check(CLI::ExistingFile);
  app.add_option("--history", historyFile,
                 "write the run's history (every step and evaluation, JSON Lines) here at the "
                 "end; the window opens it with File > Open run history");
  app.add_flag("--json", asJson, "one JSON object per line per epoch, and a summary line");
  CLI11_PARSE(app, argc, argv);

  try {
    {
      // The base is the config file, else the dataset's preset; flags given override it.
      core::TrainConfig fromFile =
          configFile.empty() ? core::presetFor(cfg.dataset) : core::loadConfigFile(configFile);
      json given;
      core::to_json(given, cfg);
      json base;
      core::to_json(base, fromFile);
      const std::pair<const char*, const char*> flags[] = {
          {"--dataset", "dataset"}, {"--data-dir", "data_dir"}, {"--experts", "experts"},
          {"--top-k", "top_k"}, {"--capacity-factor", "capacity_factor"},
          {"--expert-hidden", "expert_hidden"}, {"--stem-width", "stem_width"},
          {"--noise", "noise_scale"}, {"--embedding-l2", "embedding_l2"}, {"--epochs", "epochs"}, {"--batch-size", "batch_size"},
          {"--lr", "lr"}, {"--weight-decay", "weight_decay"}, {"--clip-norm", "clip_norm"},
          {"--aux-loss", "aux_loss"}, {"--importance-loss", "importance_loss"},
          {"--load-loss", "load_loss"}, {"--z-loss", "z_loss"}, {"--seed", "seed"},
          {"--threads", "threads"}, {"--backend", "backend"}, {"--max-train", "max_train"},
          {"--validation-fraction", "validation_fraction"}, {"--ngram-min", "ngram_min"},
          {"--ngram-max", "ngram_max"}, {"--hash-buckets", "hash_buckets"}};
      for (const auto& [flag, key] : flags)
        if (app.count(flag)) base[key] = given[key];
      core::from_json(base, cfg);
      if (!app.count("--router")) router = core::routerName(cfg.model.router);
      if (!app.count("--model")) model = core::modelName(cfg.model.kind);
      if (!app.count("--optimizer")) optimizer = core::optimizerName(cfg.optim.kind);
      if (!app.count("--activation")) activation = compute::activationName(cfg.model.activation);
    }
    cfg.model.router = core::parseRouter(router);
    cfg.model.kind = core::parseModel(model);
    cfg.optim.kind = core::parseOptimizer(optimizer);
    try {
      cfg.model.activation = compute::parseActivation(activation);
    } catch (const std::invalid_argument& e) {
      throw core::ConfigError(std::string("--activation: ") + e.what());
    }
    cfg.validate();
  } catch (const core::ConfigError& e) {
    std::cerr << "moe-train: invalid setting: " << e.what() << "\n";
    return 2;
  }

  try {
    const auto tLoad = std::chrono::steady_clock::now();
    const std::shared_ptr<const core::DataSplits> data = core::loadData(cfg);
    const double loadSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - tLoad).count();

    // What the loader skipped (malformed lines, invalid UTF-8), with file:line, on stderr.
    const core::LoadReport& report = data->report;
    if (report.skipped > 0) {
      std::cerr << "moe-train: skipped " << report.skipped << " malformed record(s)";
      if (report.invalidUtf8 > 0) std::cerr << " (" << report.invalidUtf8 << " invalid UTF-8)";
      std::cerr << ":\n";
      for (const std::string& p : report.problems) std::cerr << "  " << p << "\n";
      if (report.skipped > int(report.problems.size()))
        std::cerr << "  ... and " << report.skipped - int(report.problems.size()) << " more\n";
    }

    core::SessionBuild build = core::buildSession(cfg, data);
    if (!build.notice.empty()) std::cerr << "moe-train: " << build.notice << "\n";
    core::Session& session = *build.session;
    if (!load.empty()) session.load(load);
    const bool tty = !asJson && isatty(fileno(stderr));
    if (!asJson)
      std::cout << "MoE Explorer / moe-train\n  data: " << data->train.name << " ("
                << data->train.rows() << " train, " << data->test.rows() << " test, loaded in "
                << loadSeconds << " s)\n  backend: " << session.backendDescription()
                << "\n  parameters: " << session.paramsTotal() << " total, "
                << session.paramsActivePerInput() << " active per input\n";

    // Every step and evaluation, through the metric table: the JSON lines and --history.
    core::RunHistory history(session.qualityMetric());
    const char* qualityLabel = core::qualityInfo(history.quality()).label;
    double trainSeconds = 0.0;
    long samples = 0;
    std::shared_ptr<const core::EvalReport> eval;
    core::StepMetrics last;
    while (!session.finished()) {
      const auto t0 = std::chrono::steady_clock::now();
      last = session.trainStep();
      trainSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      samples += last.samples;
      history.append(last);
      if (tty && (last.step % 10 == 0 || session.epochFinished()))
        progressBar(last.step - (session.epochFinished() ? session.epoch() - 1 : session.epoch()) *
                                    session.stepsPerEpoch(),
                    session.stepsPerEpoch(), last);
      if (!session.epochFinished()) continue;
      eval = session.evaluate();
      history.append(*eval);
      const double rate = samples / std::max(trainSeconds, 1e-9);
      if (tty) std::fprintf(stderr, "\n");
      if (asJson) {
        // The evaluation's metrics from the table, with the last batch's loss and the rate.
        json line = core::metricsJson(history, core::MetricScope::Eval, history.evals().size() - 1);
        line.update({{"epoch", session.epoch()}, {"step", session.step()},
                     {"train_loss", last.loss}, {"train_samples_per_s", rate}});
        std::cout << line.dump() << std::endl;
      } else {
        std::printf("epoch %d: test %s %.4f, test loss %.4f, %.0f samples/s, load CV %.3f, "
                    "dropped %.3f\n", session.epoch(), qualityLabel,
                    eval->quality, eval->loss, rate, eval->routing.loadCv,
                    eval->routing.droppedFraction);
      }
    }
    if (!save.empty()) session.save(save);
    if (!historyFile.empty()) core::writeHistoryFile(historyFile, cfg, history);
    const double rate = samples / std::max(trainSeconds, 1e-9);
    json summary = {{"summary", true},
                    {"dataset", cfg.dataset},
                    {"model", core::modelName(cfg.model.kind)},
                    {"router", core::routerName(cfg.model.router)},
                    {"backend", session.backendDescription()},
                    {"epochs", cfg.epochs},
                    {"train_samples_per_s", rate},
                    {"train_seconds", trainSeconds},
                    {core::qualityMetricDef(core::MetricScope::Eval, history.quality()).id, 0.0},
                    {"test_loss", 0.0},
                    {"skipped_records", data->report.skipped},
                    {"params_total", session.paramsTotal()},
                    {"params_active_per_input", session.paramsActivePerInput()},
                    {"peak_rss_mb", peakRssMb()},
                    {"data_load_seconds", loadSeconds}};
    // The last evaluation's metrics marked for the summary in the table.
    if (eval)
      summary.update(core::metricsJson(history, core::MetricScope::Eval, history.evals().size() - 1,
                                       core::kSummary));
    if (asJson) std::cout << summary.dump() << std::endl;
    else std::printf("done: %.0f samples/s, test %s %.4f, peak memory %.0f MB\n", rate,
                     qualityLabel, eval ? eval->quality : 0.0,
                     peakRssMb());
  } catch (const std::exception& e) {
    std::cerr << "moe-train: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
