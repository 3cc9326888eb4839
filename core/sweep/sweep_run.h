#pragma once
/** @file One run of a sweep, trained to completion through the one Session (as moe-train
 *  trains), with its history file and its results row. */
#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "core/data/dataset.h"
#include "core/sweep/sweep_results.h"

namespace moe::core {

/** Training FLOPs per sample are this multiple of the forward FLOPs: the backward pass takes
 *  two products per forward product (the input's gradient and the weights'). */
constexpr double kTrainFlopsPerForward = 3.0;

/** What a running sweep run reports after each step: the share of its steps done. */
using RunProgress = std::function<void(double fraction)>;

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
