// moe-train: trains a Mixture-of-Experts model from flags or a JSON config, headless. The flags
// and the config they resolve to are train_options.cpp's; this file runs the session and reports.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "app/train_options.h"
#include "core/analysis/ablation_json.h"
#include "core/parallel/communicator.h"
#include "core/parallel/expert_parallel.h"
#include "core/routing/router_registry.h"
#include "core/train/checkpoint.h"
#include "core/train/history_file.h"
#include "core/train/memory_budget.h"
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

// The exit codes of the contract (README, docs/RELIABILITY.md).
constexpr int kExitDone = 0, kExitFailed = 1, kExitBadInput = 2;
constexpr int kExitAlarm = 3;  // a router alarm chosen with --fail-on fired

// --parallel expert: the ranks (MPI_Finalize when reset), kept by main() below.
std::unique_ptr<core::Communicator> gRanks;

int trainMain(int argc, char** argv) {
  CLI::App app{"moe-train: train a Mixture-of-Experts model headless (MoE Explorer)"};
  cli::TrainOptions o;
  cli::addTrainOptions(app, o);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every wrong flag or value exits 2 (CLI11's own codes vary).
    return app.exit(e) == 0 ? kExitDone : kExitBadInput;
  }
  if (o.listRouters) {
    for (const core::RouterEntry& r : core::routerRegistry()) std::cout << r.info.name << "\n";
    return kExitDone;
  }
  try {
    cli::resolveConfig(app, o);
  } catch (const core::ConfigError& e) {
    std::cerr << "moe-train: invalid setting: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const core::SafetensorsError& e) {
    std::cerr << "moe-train: --load-safetensors: " << e.what() << "\n";
    return kExitBadInput;
  }

  if (o.parallel == "expert") {
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
    data = core::loadData(o.cfg);
    loadSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - tLoad).count();
    build = core::buildSession(o.cfg, data);
    if (!o.load.empty()) build.session->load(o.load);
    if (!o.loadSafetensors.empty()) core::importSafetensors(*build.session, o.loadSafetensors);
    if (o.ablate) core::requireAblatable(*build.session);
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
    return kExitBadInput;
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
    const bool tty = !o.asJson && isatty(fileno(stderr));
    if (!o.asJson)
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
      if (o.asJson) {
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
    const bool trainMore = !(o.ablate && !o.load.empty());
    if (session.finished()) {
      // A checkpoint of a finished run: nothing to train, but its numbers are measured, not 0.
      std::cerr << "moe-train: the checkpoint has trained " << session.epoch() << " of "
                << o.cfg.epochs << " epoch(s): nothing is left to train (raise --epochs to "
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
        if (o.asJson) std::cout << core::routerEventJson(e) << std::endl;
        else std::cout << (tty ? "\n" : "") << "moe-train: " << core::routerEventLine(e) << std::endl;
        if (alarmStop.empty() && std::find(o.failOn.begin(), o.failOn.end(), e.kind) != o.failOn.end())
          alarmStop = e.kind;
      }
      return alarmStop.empty();
    };
    if (o.evalOnly && !eval) evaluate();
    while (!o.evalOnly && trainMore && !session.finished()) {
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
    if (!o.save.empty()) session.save(o.save);
    if (!o.historyFile.empty() && (!gRanks || gRanks->rank() == 0))
      core::writeHistoryFile(o.historyFile, o.cfg, history);
    if (!o.exportSafetensors.empty()) core::exportSafetensors(session, o.exportSafetensors);
    if (!o.predictionsFile.empty()) {
      if (!eval) evaluate();
      core::writePredictions(*eval, o.predictionsFile);
    }
    if (!o.routingCsv.empty()) {
      // The final weights' routing: the last evaluation when it is of them, else one more.
      const auto report = eval && eval->step == session.step() ? eval : session.evaluate();
      core::writeRoutingCsvFile(o.routingCsv, *report, data->test.classNames);
    }
    const double rate = samples / std::max(trainSeconds, 1e-9);
    json summary = {{"summary", true},
                    {"dataset", o.cfg.dataset},
                    {"model", core::modelName(o.cfg.model.kind)},
                    {"router", o.cfg.model.router},
                    {"backend", session.backendDescription()},
                    {"epochs", o.cfg.epochs},
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
    if (o.asJson) std::cout << summary.dump() << std::endl;
    else std::printf("done: %.0f samples/s, test %s %.4f, peak memory %.0f MB\n", rate,
                     qualityLabel, eval ? eval->quality : 0.0,
                     peakRssMb());
    if (o.ablate && alarmStop.empty()) {
      const core::AblationReport report = core::ablate(session);
      if (o.asJson) std::cout << core::ablationJson(report).dump() << std::endl;
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
