// moe-train: trains a Mixture-of-Experts model from flags or a JSON config, headless.
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <limits>
#include <map>
#include <type_traits>
#include <variant>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "core/analysis/ablation_json.h"
#include "core/data/dataset_table.h"
#include "core/parallel/communicator.h"
#include "core/parallel/expert_parallel.h"
#include "core/routing/router_registry.h"
#include "core/train/config_keys.h"
#include "core/train/checkpoint.h"
#include "core/train/history_file.h"
#include "core/train/memory_budget.h"
#include "core/train/output_check.h"
#include "core/train/presets.h"
#include "core/train/router_health.h"
#include "core/train/routing_csv.h"
#include "core/train/session_factory.h"
#include "core/train/torch_export.h"

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

// A flag value that must be a whole number of type T, written in decimal, in T's range.
template <typename T>
CLI::Validator wholeNumber() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        T v{};
        const char* end = text.data() + text.size();
        const auto [at, ec] = std::from_chars(text.data(), end, v);
        if (!text.empty() && ec == std::errc() && at == end) return {};
        return "'" + text + "' is not a whole number in " +
               std::to_string(std::numeric_limits<T>::min()) + ".." +
               std::to_string(std::numeric_limits<T>::max());
      },
      "INT");
}

// The exit codes of the contract (README, docs/RELIABILITY.md).
constexpr int kExitDone = 0, kExitFailed = 1, kExitBadInput = 2;
constexpr int kExitAlarm = 3;  // a router alarm chosen with --fail-on fired

// --parallel expert: the ranks (MPI_Finalize when reset), kept by main() below.
std::unique_ptr<core::Communicator> gRanks;

int trainMain(int argc, char** argv) {
  CLI::App app{"moe-train: train a Mixture-of-Experts model headless (MoE Explorer)"};
  core::TrainConfig cfg;
  std::string configFile, save, load, historyFile, routingCsv;
  bool asJson = false;
  app.add_option("--config", configFile, "JSON config file; flags given as well override it")
      ->check(CLI::ExistingFile);
  // One flag per row of the config table; names (router, model, ...) are parsed with the rest.
  std::map<std::string, std::string> named;
  for (const core::ConfigKey& k : core::configKeys()) {
    if (!k.flag) continue;
    std::visit(
        [&](const auto& field) {
          using F = std::decay_t<decltype(field)>;
          if constexpr (std::is_same_v<F, core::NamedField>) {
            app.add_option(k.flag, named[k.key], k.help);
          } else {
            CLI::Option* option = app.add_option(k.flag, field(cfg), k.help);
            // Integers are checked as written: "-5" must not wrap to 2^64 - 5, a 23-digit seed
            // must not saturate, "3.7" must not become 3.
            using M = std::decay_t<decltype(field(cfg))>;
            if constexpr (std::is_integral_v<M>) option->check(wholeNumber<M>(), "", "");
          }
        },
        k.field);
  }
  std::string footer = "Datasets (--dataset):";
  for (const core::DatasetEntry& e : core::datasetTable())
    footer += "\n  " + core::specForm(e) + ": " + e.help + " [" + e.task + "]";
  app.footer(footer + "\nRouters (--router):\n" + core::routerHelp());
  app.add_option("--save", save, "write a checkpoint here at the end");
  app.add_option("--load", load, "start from this checkpoint")->check(CLI::ExistingFile);
  app.add_option("--history", historyFile,
                 "write the run's history (every step and evaluation, JSON Lines) here at the "
                 "end; the window opens it with File > Open run history");
  app.add_option("--routing-csv", routingCsv,
                 "write each test input's routing by the final weights here at the end, as CSV: "
                 "index, label, prediction, correct, then the chosen experts and their gates, "
                 "highest gate first (the window's File > Export routing per input)");
  app.add_flag("--json", asJson, "one JSON object per line per epoch, and a summary line");
  std::string failOnList;
  app.add_option("--fail-on", failOnList,
                 "stop with exit code 3 when one of these router alarms fires: comma-separated "
                 "collapse, dead_expert (or dead), drops, churn, non_finite, loss_spike, or all");
  // Hand-off to PyTorch (docs/PYTORCH.md).
  std::string exportSafetensors, loadSafetensors, predictionsFile;
  bool evalOnly = false;
  app.add_option("--export-safetensors", exportSafetensors,
                 "write the weights at the end as safetensors in PyTorch's names and layout, and "
                 "the architecture beside it (FILE.safetensors -> FILE.json); "
                 "scripts/to_pytorch.py builds the torch.nn model from them");
  app.add_option("--load-safetensors", loadSafetensors,
                 "start from these weights (safetensors in PyTorch's names, with its JSON config "
                 "beside it, whose settings are the base unless --config is given)")
      ->check(CLI::ExistingFile);
  app.add_option("--export-predictions", predictionsFile,
                 "write the last evaluation's per-row predictions, confidences and experts here "
                 "(safetensors)");
  app.add_flag("--eval-only", evalOnly, "evaluate the model (e.g. loaded) on the test split without training");
  std::string parallel = "none";
  app.add_option("--parallel", parallel,
                 "expert: expert-parallel training, run under mpirun -np R: each rank holds E/R "
                 "experts and a shard of every batch, rows travel by all-to-all "
                 "(docs/SCALING.md); none: one process")
      ->check(CLI::IsMember({"none", "expert"}));
  bool listRouters = false;
  app.add_flag("--list-routers", listRouters, "print the registered routers' names, one a line, and exit");
  bool ablateModel = false;
  app.add_flag("--ablate", ablateModel,
               "after training (or with --load, of the checkpoint): the test accuracy, overall and "
               "per class, with each expert removed (next choice, renormalised), alone, and with a "
               "uniform gate (docs/EXPERIMENTS.md)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every wrong flag or value exits 2 (CLI11's own codes vary).
    return app.exit(e) == 0 ? kExitDone : kExitBadInput;
  }
  if (listRouters) {
    for (const core::RouterEntry& r : core::routerRegistry()) std::cout << r.info.name << "\n";
    return kExitDone;
  }
  std::vector<std::string> failOn;

  try {
    {
      // The base is the config file, else the dataset's preset; flags given override it.
      core::TrainConfig fromFile =
          configFile.empty() ? core::presetFor(cfg.dataset) : core::loadConfigFile(configFile);
      if (configFile.empty() && !loadSafetensors.empty())
        core::from_json(core::readTorchConfig(loadSafetensors)["moe_train_config"], fromFile);
      json given;
      core::to_json(given, cfg);
      for (const auto& [key, value] : named) given[key] = value;
      json base;
      core::to_json(base, fromFile);
      for (const core::ConfigKey& k : core::configKeys())
        if (k.flag && app.count(k.flag)) base[k.key] = given[k.key];
      core::from_json(base, cfg);
    }
    cfg.validate();
    // Output paths are checked now, not after the training run they would lose.
    if (!save.empty()) core::checkOutputFile(save, "--save");
    if (!historyFile.empty()) core::checkOutputFile(historyFile, "--history");
    if (!exportSafetensors.empty()) {
      core::checkOutputFile(exportSafetensors, "--export-safetensors");
      core::checkOutputFile(core::torchConfigPath(exportSafetensors), "--export-safetensors (its config)");
    }
    if (!predictionsFile.empty()) core::checkOutputFile(predictionsFile, "--export-predictions");
    if (!routingCsv.empty()) core::checkOutputFile(routingCsv, "--routing-csv");
    failOn = core::parseRouterEventKinds(failOnList);
  } catch (const core::ConfigError& e) {
    std::cerr << "moe-train: invalid setting: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const core::SafetensorsError& e) {
    std::cerr << "moe-train: --load-safetensors: " << e.what() << "\n";
    return kExitBadInput;
  }

  if (parallel == "expert") {
    try {
      gRanks = core::openMpi(&argc, &argv);
    } catch (const core::ParallelError& e) {
      std::cerr << "moe-train: --parallel expert: " << e.what() << "\n";
      return kExitBadInput;
    }
    // One report: rank 0's (every rank computes the same metrics); errors from any rank.
    if (gRanks->rank() != 0 && !std::freopen("/dev/null", "w", stdout))
      std::cout.setstate(std::ios::failbit);
  }

  // Setting up: a dataset, a checkpoint or a setting that is refused is bad input (2); running
  // out of memory or another failure while training is a failed run (1).
  std::shared_ptr<const core::DataSplits> data;
  core::SessionBuild build;
  double loadSeconds = 0.0;
  try {
    const auto tLoad = std::chrono::steady_clock::now();
    data = core::loadData(cfg);
    loadSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - tLoad).count();
    build = core::buildSession(cfg, data);
    if (!load.empty()) build.session->load(load);
    if (!loadSafetensors.empty()) core::importSafetensors(*build.session, loadSafetensors);
    if (ablateModel) core::requireAblatable(*build.session);
    if (gRanks) build.session->enableExpertParallel(*gRanks);
  } catch (const core::ParallelError& e) {
    std::cerr << "moe-train: --parallel expert: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const core::MemoryBudgetError& e) {
    std::cerr << "moe-train: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const core::ConfigError& e) {
    std::cerr << "moe-train: invalid setting: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const core::DataError& e) {
    std::cerr << "moe-train: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const core::CheckpointError& e) {
    std::cerr << "moe-train: --load: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const core::SafetensorsError& e) {
    std::cerr << "moe-train: --load-safetensors: " << e.what() << "\n";
  } catch (const core::AblationError& e) {
    std::cerr << "moe-train: --ablate: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const std::invalid_argument& e) {  // an unknown backend spec
    std::cerr << "moe-train: invalid setting: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "moe-train: " << e.what() << "\n";
    return kExitFailed;
  }

  try {
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

    for (const std::string& w : report.warnings) std::cerr << "moe-train: warning: " << w << "\n";
    if (!build.notice.empty()) std::cerr << "moe-train: " << build.notice << "\n";
    core::Session& session = *build.session;
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
    const auto evaluate = [&] {
      eval = session.evaluate();
      history.append(*eval);
      const double rate = samples / std::max(trainSeconds, 1e-9);
      if (asJson) {
        // The evaluation's metrics from the table, with the last batch's loss and the rate.
        json line = core::metricsJson(history, core::MetricScope::Eval, history.evals().size() - 1);
        line.update({{"epoch", session.epoch()}, {"step", session.step()},
                     {"train_loss", history.steps().empty() ? json(nullptr) : json(last.loss)},
                     {"train_samples_per_s", rate}});
        std::cout << line.dump() << std::endl;
      } else {
        std::printf("epoch %d: test %s %.4f, test loss %.4f, %.0f samples/s, load CV %.3f, "
                    "dropped %.3f\n", session.epoch(), qualityLabel,
                    eval->quality, eval->loss, rate, eval->routing.loadCv,
                    eval->routing.droppedFraction);
      }
    };
    // --ablate with --load analyses the checkpoint as saved: nothing more is trained.
    const bool trainMore = !(ablateModel && !load.empty());
    if (session.finished()) {
      // A checkpoint of a finished run: nothing to train, but its numbers are measured, not 0.
      std::cerr << "moe-train: the checkpoint has trained " << session.epoch() << " of "
                << cfg.epochs << " epoch(s): nothing is left to train (raise --epochs to "
                << "continue); evaluating it\n";
      evaluate();
    } else if (!trainMore) {
      evaluate();
    }
    // Router-health alarms: one JSON line each (--json) or a readable line; --fail-on stops.
    std::size_t eventsSeen = 0;
    std::string alarmStop;
    auto reportEvents = [&] {
      for (; eventsSeen < session.events().size(); ++eventsSeen) {
        const core::RouterEvent& e = session.events()[eventsSeen];
        history.appendEvent(e);
        if (asJson) std::cout << core::routerEventJson(e) << std::endl;
        else std::cout << (tty ? "\n" : "") << "moe-train: " << core::routerEventLine(e) << std::endl;
        if (alarmStop.empty() && std::find(failOn.begin(), failOn.end(), e.kind) != failOn.end())
          alarmStop = e.kind;
      }
      return alarmStop.empty();
    };
    if (evalOnly && !eval) evaluate();
    while (!evalOnly && trainMore && !session.finished()) {
      const auto t0 = std::chrono::steady_clock::now();
      try {
        last = session.trainStep();
      } catch (const core::DivergenceError&) {
        reportEvents();
        throw;
      }
      trainSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      samples += last.samples;
      history.append(last);
      if (!reportEvents()) break;
      if (tty && (last.step % 10 == 0 || session.epochFinished()))
        progressBar(last.step - (session.epochFinished() ? session.epoch() - 1 : session.epoch()) *
                                    session.stepsPerEpoch(),
                    session.stepsPerEpoch(), last);
      if (!session.epochFinished()) continue;
      if (tty) std::fprintf(stderr, "\n");
      evaluate();
      if (!reportEvents()) break;
    }
    if (!save.empty()) session.save(save);
    if (!historyFile.empty() && (!gRanks || gRanks->rank() == 0))
      core::writeHistoryFile(historyFile, cfg, history);
    if (!exportSafetensors.empty()) core::exportSafetensors(session, exportSafetensors);
    if (!predictionsFile.empty()) {
      if (!eval) evaluate();
      core::writePredictions(*eval, predictionsFile);
    }
    if (!routingCsv.empty()) {
      // The final weights' routing: the last evaluation when it is of them, else one more.
      const auto report = eval && eval->step == session.step() ? eval : session.evaluate();
      core::writeRoutingCsvFile(routingCsv, *report, data->test.classNames);
    }
    const double rate = samples / std::max(trainSeconds, 1e-9);
    json summary = {{"summary", true},
                    {"dataset", cfg.dataset},
                    {"model", core::modelName(cfg.model.kind)},
                    {"router", cfg.model.router},
                    {"backend", session.backendDescription()},
                    {"epochs", cfg.epochs},
                    {"train_samples_per_s", rate},
                    {"train_seconds", trainSeconds},
                    // Filled from the last evaluation below; null if none was measured.
                    {core::qualityMetricDef(core::MetricScope::Eval, history.quality()).id, nullptr},
                    {"test_loss", nullptr},
                    {"skipped_records", data->report.skipped},
                    {"params_total", session.paramsTotal()},
                    {"params_active_per_input", session.paramsActivePerInput()},
                    {"peak_rss_mb", peakRssMb()},
                    {"data_load_seconds", loadSeconds}};
    // The last evaluation's metrics marked for the summary in the table.
    if (!alarmStop.empty()) summary["stopped_by_alarm"] = alarmStop;
    if (session.parallel()) summary["parallel"] = session.parallel()->summary();
    if (eval)
      summary.update(core::metricsJson(history, core::MetricScope::Eval, history.evals().size() - 1,
                                       core::kSummary));
    if (asJson) std::cout << summary.dump() << std::endl;
    else std::printf("done: %.0f samples/s, test %s %.4f, peak memory %.0f MB\n", rate,
                     qualityLabel, eval ? eval->quality : 0.0,
                     peakRssMb());
    if (ablateModel && alarmStop.empty()) {
      const core::AblationReport report = core::ablate(session);
      if (asJson) std::cout << core::ablationJson(report).dump() << std::endl;
      else std::cout << core::ablationTable(report);
    }
    if (!alarmStop.empty()) {
      std::cerr << "moe-train: stopped: the " << alarmStop << " alarm fired (--fail-on)\n";
      return kExitAlarm;
    }
  } catch (const std::exception& e) {
    std::cerr << "moe-train: " << e.what() << "\n";
    return kExitFailed;
  }
  return kExitDone;
}

}  // namespace

int main(int argc, char** argv) {
  const int code = trainMain(argc, argv);
  // A run that failed on some ranks may have left the others waiting in a collective.
  if (gRanks && gRanks->size() > 1 && code == kExitFailed) gRanks->abort(code);
  gRanks.reset();
  return code;
}
