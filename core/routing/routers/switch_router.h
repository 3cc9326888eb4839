#pragma once
#include "core/routing/router_policy.h"

namespace moe::core {

/** Switch Transformer (Fedus et al.): top-1 with capacity; overflow rows are dropped. */
class SwitchRouter final : public RouterPolicy {
 public:
  explicit SwitchRouter(RouterBuild&) {}
  static RouterInfo describe();
  const RouterInfo& info() const override;
  void choose(const RouterInput& in, const std::vector<float>& p, RouterChoices& out) override;
};

}  // namespace moe::core
