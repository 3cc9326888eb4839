#pragma once
#include "core/routing/router_policy.h"

namespace moe::core {

/** Softmax, the k most probable experts, gates renormalised over the k chosen. */
class TopKRouter final : public RouterPolicy {
 public:
  explicit TopKRouter(RouterBuild&) {}
  static RouterInfo describe();
  const RouterInfo& info() const override;
  void choose(const RouterInput& in, const std::vector<float>& p, RouterChoices& out) override;
  /** The top-k choice with renormalised gates, shared with the noisy router. */
  static void chooseTopK(const RouterInput& in, const std::vector<float>& p, RouterChoices& out);
};

}  // namespace moe::core
