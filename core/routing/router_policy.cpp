#include "core/routing/router_policy.h"

#include <algorithm>
#include <numeric>

namespace moe::core {

bool RouterInfo::reads(RouterSetting s) const {
  return std::find(settings.begin(), settings.end(), s) != settings.end();
}

void RouterPolicy::scores(const RouterInput&, std::vector<float>&) {}

bool RouterPolicy::smoothLoad(std::vector<double>&) { return false; }

void RouterPolicy::smoothLoadBackward(double, const std::vector<double>&, float*) {}

void RouterPolicy::backward(const std::vector<float>&, const compute::Tensor&, compute::Tensor*) {}

std::vector<int> topIndices(const float* row, int n, int k) {
  std::vector<int> idx(static_cast<std::size_t>(n));
  std::iota(idx.begin(), idx.end(), 0);
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(),
                    [&](int a, int b) { return row[a] > row[b] || (row[a] == row[b] && a < b); });
  idx.resize(std::size_t(k));
  return idx;
}

}  // namespace moe::core
