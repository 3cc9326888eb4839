#pragma once
#include "core/routing/router_policy.h"

namespace moe::core {

/**
 * Sinkhorn routing, Megatron's S-BASE (Clark et al. 2022): in training each row takes the
 * top-1 expert of exp(logits) scaled by Sinkhorn iterations to balanced marginals (every row
 * sums to 1/rows, every expert to 1/experts); at test time the top-1 of the logits. The gate
 * is the row's probability (softmax or sigmoid of the original logits) for that expert.
 */
class SinkhornRouter final : public RouterPolicy {
 public:
  explicit SinkhornRouter(RouterBuild&) {}
  static RouterInfo describe();
  const RouterInfo& info() const override;
  void choose(const RouterInput& in, const std::vector<float>& p, RouterChoices& out) override;

  /** exp(z) (rows x experts) scaled to balanced marginals (Sinkhorn-Knopp, until the expert
   *  scaling changes by less than `tolerance` on average, at most 1000 iterations). */
  static std::vector<double> balance(const float* z, int rows, int experts,
                                     double tolerance = 1e-4);
};

}  // namespace moe::core
