#include "core/routing/routers/base_router.h"

#include "core/routing/balanced_assignment.h"

namespace moe::core {

RouterInfo BaseRouter::describe() {
  return {"base",
          "training: exact balanced assignment of the batch to the experts; test: top-1 "
          "(Lewis et al. 2021)",
          {RouterSetting::Score, RouterSetting::RouteScale},
          false,
          [](const RouterSettings&, int) { return 1; }};
}

const RouterInfo& BaseRouter::info() const {
  static const RouterInfo i = describe();
  return i;
}

void BaseRouter::choose(const RouterInput& in, const std::vector<float>& p, RouterChoices& out) {
  const int rows = in.rows, E = in.experts;
  std::vector<int> expert(static_cast<std::size_t>(rows));
  if (in.training) {
    // The logits, not p: the same assignment for softmax (a shift per row) and sigmoid.
    expert = balancedAssignment(in.logits, rows, E, (rows + E - 1) / E);
  } else {
    for (int r = 0; r < rows; ++r) expert[std::size_t(r)] = topIndices(&p[std::size_t(r) * E], E, 1)[0];
  }
  for (int r = 0; r < rows; ++r) {
    const int e = expert[std::size_t(r)];
    out.rows[std::size_t(r)].push_back({e, p[std::size_t(r) * E + std::size_t(e)]});
  }
}

}  // namespace moe::core
