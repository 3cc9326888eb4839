#include "core/routing/balancing_bias.h"

#include <cmath>
#include <numeric>

#include "core/routing/router_policy.h"

namespace moe::core {

BalancingBias::BalancingBias(int experts, double rate) : mExperts(experts), mRate(rate) {
  if (active()) {
    mBias.assign(std::size_t(experts), 0.0f);
    mLoad.assign(std::size_t(experts), 0);
  }
}

void BalancingBias::record(const std::vector<float>& p, int rows, int k) {
  if (!active()) return;
  RouterInput in;
  in.experts = mExperts;
  in.selectionBias = mBias.data();
  for (int r = 0; r < rows; ++r)
    for (int e : selectTop(in, &p[std::size_t(r) * std::size_t(mExperts)], k))
      ++mLoad[std::size_t(e)];
  mRecorded = true;
}

void BalancingBias::update() {
  if (!active() || !mRecorded) return;
  const double mean =
      double(std::accumulate(mLoad.begin(), mLoad.end(), std::int64_t(0))) / mExperts;
  for (int e = 0; e < mExperts; ++e) {
    const double gap = mean - double(mLoad[std::size_t(e)]);
    mBias[std::size_t(e)] += float(mRate * double((gap > 0.0) - (gap < 0.0)));
  }
  // A shift shared by every expert changes no choice: keep the biases centred on 0 so that
  // they read as "favoured" (> 0) and "held back" (< 0).
  const float centre = std::accumulate(mBias.begin(), mBias.end(), 0.0f) / float(mExperts);
  for (float& b : mBias) b -= centre;
  mLoad.assign(mLoad.size(), 0);
  mRecorded = false;
}

bool BalancingBias::set(std::span<const float> values) {
  if (values.size() != mBias.size()) return false;
  for (float v : values)
    if (!std::isfinite(v)) return false;
  mBias.assign(values.begin(), values.end());
  return true;
}

}  // namespace moe::core
