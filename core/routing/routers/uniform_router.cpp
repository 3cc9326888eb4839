#include "core/routing/routers/uniform_router.h"

#include <algorithm>

namespace moe::core {

RouterInfo UniformRouter::describe() {
  return {"uniform",
          "every expert, gate 1/E, the gate frozen (baseline: the experts without a router)",
          {},
          false,
          [](const RouterSettings&, int experts) { return experts; }};
}

const RouterInfo& UniformRouter::info() const {
  static const RouterInfo i = describe();
  return i;
}

void UniformRouter::scores(const RouterInput&, std::vector<float>& h) {
  // Equal scores: p = 1/E for every row, whatever the logits.
  std::fill(h.begin(), h.end(), 0.0f);
}

void UniformRouter::choose(const RouterInput& in, const std::vector<float>& p, RouterChoices& out) {
  const int E = in.experts;
  for (int r = 0; r < in.rows; ++r)
    for (int e = 0; e < E; ++e)
      out.rows[std::size_t(r)].push_back({e, p[std::size_t(r) * E + std::size_t(e)]});
}

}  // namespace moe::core
