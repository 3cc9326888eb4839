#pragma once
#include "core/routing/router_policy.h"

namespace moe::core {

/** Every expert with gate 1/E whatever the input: the gate is frozen (its scores ignore the
 *  logits, so no gradient reaches it). A baseline: what the experts do without a router. */
class UniformRouter final : public RouterPolicy {
 public:
  explicit UniformRouter(RouterBuild&) {}
  static RouterInfo describe();
  const RouterInfo& info() const override;
  void scores(const RouterInput& in, std::vector<float>& h) override;
  void choose(const RouterInput& in, const std::vector<float>& p, RouterChoices& out) override;
};

}  // namespace moe::core
