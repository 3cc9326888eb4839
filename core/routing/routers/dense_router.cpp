#include "core/routing/routers/dense_router.h"

namespace moe::core {

RouterInfo DenseRouter::describe() {
  return {"dense",
          "every expert, weighted by the softmax (Jacobs & Jordan 1991)",
          {RouterSetting::Score, RouterSetting::RouteScale},
          false,
          [](const RouterSettings&, int experts) { return experts; }};
}

const RouterInfo& DenseRouter::info() const {
  static const RouterInfo i = describe();
  return i;
}

void DenseRouter::choose(const RouterInput& in, const std::vector<float>& p, RouterChoices& out) {
  const int E = in.experts;
  for (int r = 0; r < in.rows; ++r) {
    const float* pr = &p[std::size_t(r) * E];
    for (int e : topIndices(pr, E, E)) out.rows[std::size_t(r)].push_back({e, pr[e]});
  }
}

}  // namespace moe::core
