#pragma once
#include "core/routing/router_policy.h"

namespace moe::core {

/**
 * BASE layers (Lewis et al. 2021): in training, an exact balanced linear assignment of the
 * batch's rows to the experts (each takes ceil(rows / experts) at most), maximising the sum of
 * the chosen logits; at test time each row takes its top-1 expert. The gate is the row's
 * probability (softmax or sigmoid, RouterSetting::Score) for the expert it got. Nothing is
 * dropped.
 */
class BaseRouter final : public RouterPolicy {
 public:
  explicit BaseRouter(RouterBuild&) {}
  static RouterInfo describe();
  const RouterInfo& info() const override;
  void choose(const RouterInput& in, const std::vector<float>& p, RouterChoices& out) override;
};

}  // namespace moe::core
