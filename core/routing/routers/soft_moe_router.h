#pragma once
#include "core/routing/router_policy.h"

namespace moe::core {

/**
 * Soft MoE (Puigcerver et al. 2023), one slot per expert per sequence. A sequence is a text's
 * tokens or an image's patches (rows sharing a run of RouterInput::positions from 0); rows
 * without positions (flat images, ratings) are each a sequence of one, where every slot takes
 * that row alone and Soft MoE is a dense softmax mixture. With logits X (rows x experts):
 * slot (e, sequence) takes sum_r D[r,e] x_r, D = softmax over the sequence's rows of X[., e]
 * (dispatch), and row r's output is sum_e C[r,e] y(slot(e, its sequence)), C = softmax over
 * experts of X[r, .] (combine, = the router probabilities). Nothing is dropped; the gradient
 * reaches the logits through both softmaxes.
 */
class SoftMoeRouter final : public RouterPolicy {
 public:
  explicit SoftMoeRouter(RouterBuild&) {}
  static RouterInfo describe();
  const RouterInfo& info() const override;
  /** Not used: buildPlan builds the plan. Routes like the dense router if called. */
  void choose(const RouterInput& in, const std::vector<float>& p, RouterChoices& out) override;
  bool buildPlan(const RouterInput& in, const std::vector<float>& p, DispatchPlan& plan) override;
  void dispatchBackward(const DispatchPlan& plan, const float* dSlotWeights,
                        float* dz) const override;

 private:
  std::vector<std::int32_t> mSeqPtr;  ///< sequence boundaries of the last plan
};

}  // namespace moe::core
