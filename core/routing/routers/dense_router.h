#pragma once
#include "core/routing/router_policy.h"

namespace moe::core {

/** Every expert, weighted by the softmax (Jacobs & Jordan 1991). */
class DenseRouter final : public RouterPolicy {
 public:
  explicit DenseRouter(RouterBuild&) {}
  static RouterInfo describe();
  const RouterInfo& info() const override;
  void choose(const RouterInput& in, const std::vector<float>& p, RouterChoices& out) override;
};

}  // namespace moe::core
