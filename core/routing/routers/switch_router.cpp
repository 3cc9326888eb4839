#include "core/routing/routers/switch_router.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "compute/random.h"

namespace moe::core {

RouterInfo SwitchRouter::describe() {
  return {"switch",
          "top-1 with capacity; overflow inputs are dropped (Fedus et al.)",
          {RouterSetting::CapacityFactor, RouterSetting::DropPolicy, RouterSetting::Score,
           RouterSetting::RouteScale, RouterSetting::BiasUpdateRate},
          false,
          [](const RouterSettings&, int) { return 1; }};
}

const RouterInfo& SwitchRouter::info() const {
  static const RouterInfo i = describe();
  return i;
}

void SwitchRouter::choose(const RouterInput& in, const std::vector<float>& p, RouterChoices& out) {
  const int rows = in.rows, E = in.experts;
  // k = 1: capacity = ceil(cf * rows / experts).
  const int capacity = int(std::ceil(in.settings.capacityFactor * rows / E));
  std::vector<int> wanted(static_cast<std::size_t>(rows));
  for (int r = 0; r < rows; ++r) wanted[std::size_t(r)] = selectTop(in, &p[std::size_t(r) * E], 1)[0];
  auto prob = [&](int r) { return p[std::size_t(r) * E + std::size_t(wanted[std::size_t(r)])]; };
  // The order in which rows claim their expert: the drop policy.
  std::vector<int> order(static_cast<std::size_t>(rows));
  std::iota(order.begin(), order.end(), 0);
  switch (in.settings.dropPolicy) {
    case DropPolicy::Position:  // batch order, first come first served (Megatron)
      break;
    case DropPolicy::Probs:  // the most probable first: a full expert drops its least sure rows
      std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return prob(a) > prob(b); });
      break;
    case DropPolicy::Random: {  // a random priority per row, reproducible from (seed, step)
      std::vector<float> key(static_cast<std::size_t>(rows));
      for (int r = 0; r < rows; ++r)
        key[std::size_t(r)] = compute::uniformAt(in.noiseSeed ^ 0x5eedd209ULL,
                                                 in.step * std::uint64_t(rows) + std::uint64_t(r));
      std::stable_sort(order.begin(), order.end(),
                       [&](int a, int b) { return key[std::size_t(a)] < key[std::size_t(b)]; });
      break;
    }
  }
  std::vector<int> used(static_cast<std::size_t>(E), 0);
  for (int r : order) {
    const int e = wanted[std::size_t(r)];
    if (used[std::size_t(e)] < capacity) {
      ++used[std::size_t(e)];
      out.rows[std::size_t(r)].push_back({e, prob(r)});
    } else {
      out.dropped[std::size_t(r)] = 1;
    }
  }
}

}  // namespace moe::core
