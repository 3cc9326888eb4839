#include "core/sweep/sweep_run.h"

#include <chrono>
#include <filesystem>
#include <fstream>

#include "core/model/model.h"
#include "core/sweep/ensemble_run.h"
#include "core/train/history_file.h"
#include "core/train/metric_table.h"
#include "core/train/session_factory.h"

namespace moe::core {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

TrainedRun trainToEnd(Session& session, RunHistory& history, const RunProgress& progress,
                      const std::atomic<bool>& stop) {
  TrainedRun out;
  std::size_t eventsSeen = 0;
  const double totalSteps = double(session.stepsPerEpoch()) * session.config().epochs;
  while (!session.finished()) {
    if (stop.load()) {
      out.stopped = true;
      return out;
    }
    const auto t0 = Clock::now();
    try {
      const StepMetrics m = session.trainStep();
      out.trainSeconds += secondsSince(t0);
      out.samples += m.samples;
      history.append(m);
    } catch (const DivergenceError& e) {
      out.diverged = e.what();
    }
    for (; eventsSeen < session.events().size(); ++eventsSeen)
      history.appendEvent(session.events()[eventsSeen]);
    if (!out.diverged.empty()) break;
    if (progress) progress(double(session.step()) / std::max(1.0, totalSteps));
    if (!session.epochFinished()) continue;
    out.eval = session.evaluate();
    history.append(*out.eval);
  }
  return out;
}

SweepRow trainSweepRun(const SweepRun& run, std::shared_ptr<const DataSplits> data, int threads,
                       const std::string& dir, const RunProgress& progress,
                       const std::atomic<bool>& stop) {
  if (run.ensemble) return trainEnsembleRun(run, std::move(data), threads, dir, progress, stop);
  const auto started = Clock::now();
  TrainConfig config = run.config;
  config.threads = threads;
  SessionBuild build = buildSession(config, std::move(data));
  Session& session = *build.session;

  const std::string folder = "runs/" + run.folder;
  std::filesystem::create_directories(dir + "/" + folder);
  {
    nlohmann::json j;
    to_json(j, config);
    std::ofstream(dir + "/" + folder + "/config.json") << j.dump(2) << "\n";
  }

  // The same loop as moe-train: steps, an evaluation at the end of each epoch, alarms kept.
  RunHistory history(session.qualityMetric());
  const TrainedRun trained = trainToEnd(session, history, progress, stop);
  if (trained.stopped) return SweepRow::object();
  const double trainSeconds = trained.trainSeconds;
  const long samples = trained.samples;
  const auto& eval = trained.eval;
  const std::string& diverged = trained.diverged;
  writeHistoryFile(dir + "/" + folder + "/history.jsonl", config, history);

  const Model& model = session.model();
  const double forward = model.flopsPerInput(session.data().train);
  const char* quality = qualityMetricDef(MetricScope::Eval, session.qualityMetric()).id;
  SweepRow row;
  row["run"] = run.id;
  for (auto it = run.columns.begin(); it != run.columns.end(); ++it) row[it.key()] = it.value();
  row["status"] = diverged.empty() ? "done" : "diverged";
  const bool measured = eval && diverged.empty();
  auto evalValue = [&](double v) { return measured ? SweepRow(v) : SweepRow(nullptr); };
  row[quality] = evalValue(eval ? eval->quality : 0.0);
  row["test_loss"] = evalValue(eval ? eval->loss : 0.0);
  row["params_total"] = session.paramsTotal();
  row["params_active_per_input"] = session.paramsActivePerInput();
  row["train_flops_per_sample"] = kTrainFlopsPerForward * forward;
  row["inference_flops_per_sample"] = forward;
  row["train_seconds"] = trainSeconds;
  row["train_samples_per_s"] = samples / std::max(trainSeconds, 1e-9);
  row["run_seconds"] = secondsSince(started);
  row["load_cv"] = evalValue(eval ? eval->routing.loadCv : 0.0);
  row["max_vio"] = evalValue(eval ? eval->routing.maxVio : 0.0);
  row["dropped_fraction"] = evalValue(eval ? eval->routing.droppedFraction : 0.0);
  row["dead_experts"] = measured ? SweepRow(eval->routing.deadExperts) : SweepRow(nullptr);
  row["mutual_information"] = evalValue(eval ? eval->mutualInformation : 0.0);
  row["steps"] = session.step();
  row["epochs"] = config.epochs;
  row["threads"] = threads;
  row["history"] = folder + "/history.jsonl";
  if (!diverged.empty()) row["error"] = diverged;
  nlohmann::json stored;
  to_json(stored, run.config);
  row["config"] = SweepRow::parse(stored.dump());
  return row;
}

}  // namespace moe::core
