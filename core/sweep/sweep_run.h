#pragma once
/** @file One run of a sweep, trained to completion through the one Session (as moe-train
 *  trains), with its history file and its results row. */
#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "core/data/dataset.h"
#include "core/sweep/sweep_results.h"
#include "core/train/run_history.h"

namespace moe::core {

/** Training FLOPs per sample are this multiple of the forward FLOPs: the backward pass takes
 *  two products per forward product (the input's gradient and the weights'). */
constexpr double kTrainFlopsPerForward = 3.0;

/** What a running sweep run reports after each step: the share of its steps done. */
using RunProgress = std::function<void(double fraction)>;

class Session;

/** How a session's training to the end went. */
struct TrainedRun {
  double trainSeconds = 0.0;  ///< inside training steps
  long samples = 0;           ///< samples trained
  std::shared_ptr<const EvalReport> eval;  ///< the last evaluation (null when none ran)
  std::string diverged;       ///< the divergence message, empty when none
  bool stopped = false;       ///< `stop` ended it
};

/** The one training loop of sweeps (moe-train's): steps to the last epoch, the test split
 *  evaluated at the end of each epoch, everything and every alarm appended to `history`.
 *  `progress` gets the share of the steps done after each step. */
TrainedRun trainToEnd(Session& session, RunHistory& history, const RunProgress& progress,
                      const std::atomic<bool>& stop);

/**
 * Trains `run` on `data` (loaded for the run's config, shared between runs with the same
 * dataKey) with `threads` CPU threads, writes its history to DIR/runs/FOLDER/history.jsonl and
 * its config to DIR/runs/FOLDER/config.json, and returns its results row (status "done"; a run
 * whose loss diverged gets status "diverged", its error and null metrics). When `stop` becomes
 * true the run ends between two steps and nullptr-like empty row (an empty object) comes back.
 * @throws ConfigError, DataError or another exception when the run cannot be built.
 */
SweepRow trainSweepRun(const SweepRun& run, std::shared_ptr<const DataSplits> data, int threads,
                       const std::string& dir, const RunProgress& progress,
                       const std::atomic<bool>& stop);

}  // namespace moe::core
