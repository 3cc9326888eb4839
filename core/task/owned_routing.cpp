#include "core/task/owned_routing.h"

#include <algorithm>
#include <numeric>

namespace moe::core {

OwnedRouting::OwnedRouting(const Dataset& d, EvalReport& report, int positions)
    : mData(d), mReport(report), mPositions(positions), mAcc(report.experts) {
  const int rows = d.rows(), E = report.experts;
  report.gateProbs.assign(std::size_t(rows) * E, 0.0f);
  report.topExperts.assign(std::size_t(rows) * std::size_t(report.k), -1);
  mJoint.assign(std::size_t(d.classes) * E, 0);
  if (positions > 0) {
    report.positions = positions;
    report.positionExpert.assign(std::size_t(positions) * E, 0);
  }
}

void OwnedRouting::add(const DispatchPlan& plan, const std::vector<float>& probs,
                       const std::vector<std::int32_t>& owners, int start, int n) {
  const int E = mReport.experts, K = mReport.k, C = mData.classes;
  if (plan.rows != int(owners.size())) return;
  std::vector<std::int32_t> rowLabels(owners.size());
  std::vector<std::int64_t> taken(std::size_t(n) * E, 0);
  std::vector<int> rows(static_cast<std::size_t>(n), 0);
  for (int r = 0; r < plan.rows; ++r) {
    const int t = owners[std::size_t(r)], label = mData.labels[std::size_t(start + t)];
    rowLabels[std::size_t(r)] = label;
    const int position = rows[std::size_t(t)]++;
    for (int e = 0; e < E; ++e)
      mReport.gateProbs[std::size_t(start + t) * E + e] += probs[std::size_t(r) * E + e];
    for (int j = plan.rowPtr[std::size_t(r)]; j < plan.rowPtr[std::size_t(r) + 1]; ++j) {
      const auto e = std::size_t(plan.rowExperts[std::size_t(j)]);
      ++taken[std::size_t(t) * E + e];
      if (position < mPositions) ++mReport.positionExpert[std::size_t(position) * E + e];
    }
    if (plan.rowPtr[std::size_t(r)] < plan.rowPtr[std::size_t(r) + 1])
      ++mJoint[std::size_t(label) * E +
               std::size_t(plan.rowExperts[std::size_t(plan.rowPtr[std::size_t(r)])])];
  }
  mAcc.add(plan, probs, rowLabels.data(), C);
  for (int t = 0; t < n; ++t) {
    for (int e = 0; e < E && rows[std::size_t(t)] > 0; ++e)
      mReport.gateProbs[std::size_t(start + t) * E + e] /= float(rows[std::size_t(t)]);
    std::vector<int> order(static_cast<std::size_t>(E));
    std::iota(order.begin(), order.end(), 0);
    const std::int64_t* row = taken.data() + std::size_t(t) * E;
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return row[a] > row[b]; });
    for (int j = 0; j < K && j < E && row[order[std::size_t(j)]] > 0; ++j)
      mReport.topExperts[std::size_t(start + t) * K + j] = order[std::size_t(j)];
  }
}

void OwnedRouting::finish() {
  const int E = mReport.experts, C = mData.classes;
  if (E == 0) return;
  mReport.routing = mAcc.result();
  mReport.classExpert = mAcc.classExpert();
  if (mReport.classExpert.empty()) mReport.classExpert.assign(std::size_t(C) * E, 0);
  mReport.mutualInformation = mutualInformation(mJoint, C, E);
}

}  // namespace moe::core
