#include "core/task/regression.h"

#include <algorithm>
#include <cmath>

#include "core/model/moe_layer.h"
#include "core/task/classification.h"

namespace moe::core {

TaskLoss squaredErrorLoss(compute::Backend& backend, const Batch& batch, const compute::Tensor& out,
                          Scratch& gradient) {
  // MSE on the host: B predictions. dL/dpred = 2 (pred - target) / B.
  const int n = batch.rows;
  const auto host = compute::toHost(backend, out);
  std::vector<float> grad(static_cast<std::size_t>(n));
  double sse = 0.0;
  for (int i = 0; i < n; ++i) {
    const double e = double(host[std::size_t(i)]) - batch.targets[std::size_t(i)];
    sse += e * e;
    grad[std::size_t(i)] = float(2.0 * e / n);
  }
  TaskLoss result;
  result.gradient = gradient.get(backend, n, out.cols());
  backend.write(result.gradient, std::span<const float>(grad));
  result.loss = sse / n;
  result.metric = std::sqrt(result.loss);
  return result;
}

RegressionEval::RegressionEval(compute::Backend& backend, const Dataset& d, EvalReport& report,
                               int categories)
    : mBackend(backend), mData(d), mReport(report), mAcc(report.experts) {
  const int rows = d.rows(), E = report.experts;
  report.regression = true;
  report.classes = categories;
  report.targets = d.targets;
  report.predictedValues.resize(std::size_t(rows));
  report.gateProbs.reserve(std::size_t(rows) * E);
  report.topExperts.assign(std::size_t(rows) * std::size_t(report.k), -1);
  report.classExpert.assign(std::size_t(categories) * E, 0);
  mJoint.assign(std::size_t(categories) * E, 0);
  mFirst.assign(std::size_t(rows), -1);
}

void RegressionEval::addPredictions(int start, const float* predictions, int n) {
  // One loop over the batch, as each task wrote it: the compiler treats the sum alike (fused
  // multiply-adds or not), so the reported MSE stays the same to the last bit.
  for (int i = 0; i < n; ++i) {
    mReport.predictedValues[std::size_t(start + i)] = predictions[i];
    const double e = double(predictions[i]) - mData.targets[std::size_t(start + i)];
    mSse += e * e;
  }
}

const DispatchPlan& RegressionEval::addRouting(MoeLayer& moe, int start, int n) {
  const DispatchPlan& plan = moe.plan();
  mAcc.add(plan, moe.probs());
  mReport.gateProbs.insert(mReport.gateProbs.end(), moe.probs().begin(), moe.probs().end());
  recordChoices(plan, start, n, mReport.k, mReport.topExperts, &mFirst);
  return plan;
}

void RegressionEval::finish() {
  mReport.loss = mSse / std::max(1, mData.rows());  // MSE (of what the task predicts)
  mReport.quality = std::sqrt(mReport.loss);        // RMSE (regression: see EvalReport)
  if (mReport.experts == 0) return;
  mReport.routing = mAcc.result();
  mReport.mutualInformation = mutualInformation(mJoint, mReport.classes, mReport.experts);
}

}  // namespace moe::core
