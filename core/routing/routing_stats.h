#pragma once
/** @file Routing statistics accumulated over one batch or a whole evaluation pass. */
#include <cstdint>
#include <vector>

#include "core/routing/dispatch_plan.h"
#include "core/train/metrics.h"

namespace moe::core {

/** Adds up plans (and their router probabilities) and reports RoutingStats for them all.
 *  Reads the plan's offsets (slots per expert) and its combine view (which experts each row
 *  reaches), so it holds for one-row and weighted (mixed-row) slots alike. */
class RoutingAccumulator {
 public:
  explicit RoutingAccumulator(int experts = 0) { reset(experts); }
  void reset(int experts);
  /** probs: plan.rows x experts. labels (optional, one per row) feed the class x expert
   *  counts, with `classes` rows. */
  void add(const DispatchPlan& plan, const std::vector<float>& probs,
           const std::int32_t* labels = nullptr, int classes = 0);
  RoutingStats result() const;
  const std::vector<std::int64_t>& classExpert() const { return mClassExpert; }

 private:
  int mExperts = 0;
  std::int64_t mRows = 0, mSlots = 0, mDropped = 0, mUnrouted = 0;
  double mEntropy = 0.0;
  std::vector<std::int64_t> mLoad;
  std::vector<double> mImportance;
  std::vector<std::int64_t> mClassExpert;
};

/** Statistics of a single plan. */
RoutingStats routingStats(const DispatchPlan& plan, const std::vector<float>& probs);

/** Mutual information (bits) of a joint count table rows x cols. */
double mutualInformation(const std::vector<std::int64_t>& joint, int rows, int cols);

}  // namespace moe::core
