#pragma once
#include "core/routing/router_policy.h"

namespace moe::core {

/** Expert Choice (Zhou et al. 2022): each expert takes its most probable rows up to
 *  capacity = min(rows, ceil(cf * k * rows / experts)); a row may get no expert. */
class ExpertChoiceRouter final : public RouterPolicy {
 public:
  explicit ExpertChoiceRouter(RouterBuild&) {}
  static RouterInfo describe();
  const RouterInfo& info() const override;
  void choose(const RouterInput& in, const std::vector<float>& p, RouterChoices& out) override;
};

}  // namespace moe::core
