#include "core/routing/routers/expert_choice_router.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace moe::core {

RouterInfo ExpertChoiceRouter::describe() {
  return {"expert-choice",
          "each expert takes its top inputs up to capacity (Zhou et al. 2022)",
          {RouterSetting::TopK, RouterSetting::CapacityFactor, RouterSetting::Score,
           RouterSetting::RouteScale},
          false,
          [](const RouterSettings& s, int) { return s.k; }};
}

const RouterInfo& ExpertChoiceRouter::info() const {
  static const RouterInfo i = describe();
  return i;
}

void ExpertChoiceRouter::choose(const RouterInput& in, const std::vector<float>& p,
                                RouterChoices& out) {
  const int rows = in.rows, E = in.experts;
  const int capacity =
      std::min(rows, int(std::ceil(in.settings.capacityFactor * in.settings.k * rows / E)));
  auto prob = [&](int r, int e) { return p[std::size_t(r) * E + std::size_t(e)]; };
  std::vector<int> order(static_cast<std::size_t>(rows));
  for (int e = 0; e < E; ++e) {
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + capacity, order.end(), [&](int a, int b) {
      return prob(a, e) > prob(b, e) || (prob(a, e) == prob(b, e) && a < b);
    });
    for (int i = 0; i < capacity; ++i)
      out.rows[std::size_t(order[std::size_t(i)])].push_back({e, prob(order[std::size_t(i)], e)});
  }
  for (auto& c : out.rows)  // first choice first
    std::sort(c.begin(), c.end(), [](const auto& a, const auto& b) {
      return a.second > b.second || (a.second == b.second && a.first < b.first);
    });
}

}  // namespace moe::core
