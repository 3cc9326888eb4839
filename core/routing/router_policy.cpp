#include "core/routing/router_policy.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace moe::core {

bool RouterPolicy::buildPlan(const RouterInput&, const std::vector<float>&, DispatchPlan&) {
  return false;
}

void RouterPolicy::dispatchBackward(const DispatchPlan&, const float*, const float*, float*) const {}

bool RouterInfo::reads(RouterSetting s) const {
  return std::find(settings.begin(), settings.end(), s) != settings.end();
}

void RouterPolicy::scores(const RouterInput&, std::vector<float>&) {}

bool RouterPolicy::smoothLoad(std::vector<double>&) { return false; }

void RouterPolicy::smoothLoadBackward(double, const std::vector<double>&, float*) {}

void RouterPolicy::backward(const std::vector<float>&, const compute::Tensor&, compute::Tensor*) {}

void RouterPolicy::setState(std::span<const float> s) { requireStateSize(s, 0); }

void RouterPolicy::afterStep(std::uint64_t) {}

void RouterPolicy::requireStateSize(std::span<const float> s, std::size_t n) const {
  if (s.size() == n) return;
  throw RouterStateError("router '" + std::string(info().name) + "' keeps " +
                         (n == 0 ? std::string("no state") : std::to_string(n) + " state values") +
                         "; the saved state has " + std::to_string(s.size()));
}

std::vector<int> topIndices(const float* row, int n, int k) {
  std::vector<int> idx(static_cast<std::size_t>(n));
  std::iota(idx.begin(), idx.end(), 0);
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(),
                    [&](int a, int b) { return row[a] > row[b] || (row[a] == row[b] && a < b); });
  idx.resize(std::size_t(k));
  return idx;
}

}  // namespace moe::core

namespace moe::core {

std::vector<int> selectTop(const RouterInput& in, const float* p, int k) {
  if (!in.selectionBias) return topIndices(p, in.experts, k);
  std::vector<float> biased(p, p + in.experts);
  for (int e = 0; e < in.experts; ++e)
    biased[std::size_t(e)] += in.selectionBias[e];
  return topIndices(biased.data(), in.experts, k);
}

}  // namespace moe::core
