#include "core/routing/routing_stats.h"

#include <algorithm>
#include <cmath>

namespace moe::core {

void RoutingAccumulator::reset(int experts) {
  mExperts = experts;
  mRows = mSlots = mDropped = mUnrouted = 0;
  mEntropy = 0.0;
  mLoad.assign(std::size_t(experts), 0);
  mImportance.assign(std::size_t(experts), 0.0);
  mClassExpert.clear();
}

void RoutingAccumulator::add(const DispatchPlan& plan, const std::vector<float>& probs,
                             const std::int32_t* labels, int classes) {
  const int E = mExperts;
  mRows += plan.rows;
  mSlots += plan.slots();
  mDropped += std::int64_t(plan.dropped.size());
  mUnrouted += std::int64_t(plan.unrouted.size());
  for (int e = 0; e < E; ++e) mLoad[std::size_t(e)] += plan.load(e);
  for (int r = 0; r < plan.rows; ++r)
    for (int e = 0; e < E; ++e) {
      const float p = probs[std::size_t(r) * E + e];
      mImportance[std::size_t(e)] += p;
      if (p > 0.0f) mEntropy -= p * std::log(double(p));
    }
  if (labels && classes > 0) {
    if (mClassExpert.empty()) mClassExpert.assign(std::size_t(classes) * E, 0);
    for (int r = 0; r < plan.rows; ++r) {
      const int c = labels[r];
      if (c < 0 || c >= classes) continue;
      for (int j = plan.rowPtr[r]; j < plan.rowPtr[r + 1]; ++j)
        ++mClassExpert[std::size_t(c) * E + std::size_t(plan.rowExperts[std::size_t(j)])];
    }
  }
}

RoutingStats RoutingAccumulator::result() const {
  RoutingStats s;
  const int E = mExperts;
  if (E == 0 || mRows == 0) return s;
  s.load.resize(std::size_t(E));
  s.importance.resize(std::size_t(E));
  const double mean = 1.0 / E;
  double var = 0.0, mx = 0.0;
  for (int e = 0; e < E; ++e) {
    const double l = mSlots > 0 ? double(mLoad[std::size_t(e)]) / double(mSlots) : 0.0;
    s.load[std::size_t(e)] = float(l);
    s.importance[std::size_t(e)] = float(mImportance[std::size_t(e)] / double(mRows));
    if (mLoad[std::size_t(e)] == 0) ++s.deadExperts;
    var += (l - mean) * (l - mean);
    mx = std::max(mx, l);
  }
  s.loadCv = std::sqrt(var / E) / mean;
  s.maxVio = (mx - mean) / mean;
  s.droppedFraction = double(mDropped) / double(mRows);
  s.unroutedFraction = double(mUnrouted) / double(mRows);
  s.entropy = mEntropy / double(mRows);
  return s;
}

RoutingStats routingStats(const DispatchPlan& plan, const std::vector<float>& probs) {
  RoutingAccumulator acc(plan.experts);
  acc.add(plan, probs);
  return acc.result();
}

double mutualInformation(const std::vector<std::int64_t>& joint, int rows, int cols) {
  double total = 0.0;
  std::vector<double> pr(static_cast<std::size_t>(rows), 0.0), pc(std::size_t(cols), 0.0);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      const double v = double(joint[std::size_t(r) * cols + c]);
      pr[std::size_t(r)] += v;
      pc[std::size_t(c)] += v;
      total += v;
    }
  if (total <= 0.0) return 0.0;
  double mi = 0.0;
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      const double v = double(joint[std::size_t(r) * cols + c]);
      if (v > 0.0) mi += v / total * std::log2(v * total / (pr[std::size_t(r)] * pc[std::size_t(c)]));
    }
  return mi;
}

}  // namespace moe::core
