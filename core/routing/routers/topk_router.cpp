#include "core/routing/routers/topk_router.h"

namespace moe::core {

RouterInfo TopKRouter::describe() {
  return {"topk",
          "softmax, top-k, gates renormalised over the k chosen",
          {RouterSetting::TopK, RouterSetting::Score, RouterSetting::RouteScale,
           RouterSetting::BiasUpdateRate},
          true,
          [](const RouterSettings& s, int) { return s.k; }};
}

const RouterInfo& TopKRouter::info() const {
  static const RouterInfo i = describe();
  return i;
}

void TopKRouter::choose(const RouterInput& in, const std::vector<float>& p, RouterChoices& out) {
  chooseTopK(in, p, out);
}

void TopKRouter::chooseTopK(const RouterInput& in, const std::vector<float>& p,
                            RouterChoices& out) {
  const int E = in.experts;
  for (int r = 0; r < in.rows; ++r) {
    const float* pr = &p[std::size_t(r) * E];
    const auto top = selectTop(in, pr, in.settings.k);
    float sum = 0.0f;
    for (int e : top) sum += pr[e];
    for (int e : top) out.rows[std::size_t(r)].push_back({e, pr[e] / sum});
  }
}

}  // namespace moe::core
