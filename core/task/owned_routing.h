#pragma once
/** @file The routing analysis of an evaluation for models whose MoE rows are not the batch
 *  rows (the tokens of a text, the patches of an image): each routed row counts for the batch
 *  row that owns it (Model::routedRowOwners). */
#include <cstdint>
#include <vector>

#include "core/data/dataset.h"
#include "core/routing/routing_stats.h"
#include "core/train/metrics.h"

namespace moe::core {

/**
 * Fills an EvalReport's routing fields from owned rows: the accumulated RoutingStats and the
 * class x expert counts over routed rows (labelled by their owner), I(class; first-choice
 * expert) over routed rows, per owner the mean gate probabilities over its rows and its experts
 * by rows taken (most first, ties to the lower index), and, when owners have a fixed number of
 * rows (patches), the position x expert counts.
 */
class OwnedRouting {
 public:
  /** Sizes report.gateProbs (rows x experts, zero) and the tables; `positions` > 0: every
   *  owner has exactly that many consecutive rows, counted per position. */
  OwnedRouting(const Dataset& d, EvalReport& report, int positions = 0);
  /** Adds the plan of batch rows [start, start + n); owners[r] in [0, n) for each plan row.
   *  Ignores a plan whose rows do not match owners. */
  void add(const DispatchPlan& plan, const std::vector<float>& probs,
           const std::vector<std::int32_t>& owners, int start, int n);
  /** Writes routing, classExpert, mutualInformation and positionExpert into the report. */
  void finish();

 private:
  const Dataset& mData;
  EvalReport& mReport;
  int mPositions;
  RoutingAccumulator mAcc;
  std::vector<std::int64_t> mJoint;
};

}  // namespace moe::core
