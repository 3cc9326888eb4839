#pragma once
/** @file The ensemble baselines of a sweep (bagging, boosting, stacking: core/sweep/baselines.h),
 *  each member trained by trainToEnd, the loop every sweep run trains with. */
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/data/dataset.h"
#include "core/sweep/sweep_run.h"

namespace moe::core {

/**
 * Trains the ensemble `run` (run.ensemble, run.baseline, run.members; run.config is a
 * member's config) and returns its results row, with the columns of trainSweepRun's rows:
 * FLOPs and parameters are the members' sums (stacking: and the meta-learner's), routing
 * columns are null, `history` is the first member's (runs/FOLDER/member-0.jsonl; the others
 * beside it). Classification tasks only. @throws ConfigError for a task without classes.
 */
SweepRow trainEnsembleRun(const SweepRun& run, std::shared_ptr<const DataSplits> data, int threads,
                          const std::string& dir, const RunProgress& progress,
                          const std::atomic<bool>& stop);

/** Row indices drawn with replacement, n of them, row i with probability weights[i] / sum
 *  (all alike when `weights` is empty). Deterministic for a seed. */
std::vector<int> resampleRows(int n, const std::vector<double>& weights, std::uint64_t seed);

/** SAMME's weight of a member with weighted error `error` on `classes` classes:
 *  log((1 - error) / error) + log(classes - 1), with error clamped to [1e-10, 1 - 1e-10]. */
double sammeAlpha(double error, int classes);

}  // namespace moe::core
