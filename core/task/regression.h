#pragma once
/** @file Pieces the regression tasks share (ratings, toy points): the squared-error loss of a
 *  batch and an evaluation pass that scores predictions by MSE and RMSE. */
#include <cstdint>
#include <vector>

#include "core/model/parameter.h"
#include "core/routing/dispatch_plan.h"
#include "core/routing/routing_stats.h"
#include "core/task/task.h"

namespace moe::core {

/** Mean squared error of `out` (rows x 1 predictions) against batch.targets, computed on the
 *  host, with its gradient 2 (pred - target) / rows (in `gradient`) and the RMSE as the metric. */
TaskLoss squaredErrorLoss(compute::Backend& backend, const Batch& batch, const compute::Tensor& out,
                          Scratch& gradient);

/**
 * An evaluation of a regression: the task's add() records each prediction with addPrediction
 * and the routing with addRouting (gate probabilities, top-k choices, routing statistics), then
 * fills its own category x expert counts (classExpert and the first-choice joint table);
 * finish() reports the MSE as the loss, the RMSE as the quality, and the routing analysis.
 */
class RegressionEval : public EvalPass {
 public:
  void finish() override;

 protected:
  /** Prepares `report` for the rows of `d` with `categories` rows of category x expert counts. */
  RegressionEval(compute::Backend& backend, const Dataset& d, EvalReport& report, int categories);

  /** Stores the predictions of the n rows from `start` and adds their squared errors. */
  void addPredictions(int start, const float* predictions, int n);
  /** Adds the plan of rows start.. (n of them) to the routing statistics, the gate
   *  probabilities and the top-k choices (first choices in mFirst). */
  const DispatchPlan& addRouting(MoeLayer& moe, int start, int n);

  compute::Backend& mBackend;
  const Dataset& mData;
  EvalReport& mReport;
  RoutingAccumulator mAcc;
  std::vector<std::int64_t> mJoint;  ///< category x first-choice expert, for the information
  std::vector<std::int32_t> mFirst;  ///< each row's first-choice expert (-1: none)

 private:
  double mSse = 0.0;
};

}  // namespace moe::core
