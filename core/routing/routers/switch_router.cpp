#include "core/routing/routers/switch_router.h"

#include <cmath>

namespace moe::core {

RouterInfo SwitchRouter::describe() {
  return {"switch",
          "top-1 with capacity; overflow inputs are dropped (Fedus et al.)",
          {RouterSetting::CapacityFactor},
          false,
          [](const RouterSettings&, int) { return 1; }};
}

const RouterInfo& SwitchRouter::info() const {
  static const RouterInfo i = describe();
  return i;
}

void SwitchRouter::choose(const RouterInput& in, const std::vector<float>& p, RouterChoices& out) {
  const int rows = in.rows, E = in.experts;
  // k = 1: capacity = ceil(cf * rows / experts); rows claim their expert in row order.
  const int capacity = int(std::ceil(in.settings.capacityFactor * rows / E));
  std::vector<int> used(static_cast<std::size_t>(E), 0);
  for (int r = 0; r < rows; ++r) {
    const float* pr = &p[std::size_t(r) * E];
    const int e = topIndices(pr, E, 1)[0];
    if (used[std::size_t(e)] < capacity) {
      ++used[std::size_t(e)];
      out.rows[std::size_t(r)].push_back({e, pr[e]});
    } else {
      out.dropped[std::size_t(r)] = 1;
    }
  }
}

}  // namespace moe::core
