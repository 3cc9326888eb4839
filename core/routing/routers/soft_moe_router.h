#pragma once
#include <memory>

#include "core/model/linear.h"
#include "core/routing/router_policy.h"

namespace moe::core {

/**
 * Soft MoE (Puigcerver et al. 2023) with P slots per expert per sequence (slots_per_expert,
 * 1 by default). A sequence is a text's tokens or an image's patches (rows sharing a run of
 * RouterInput::positions from 0); rows without positions (flat images, ratings) are each a
 * sequence of one, where every slot takes that row alone and Soft MoE is a dense softmax
 * mixture.
 *
 * P = 1: with logits X (rows x experts), slot (e, sequence) takes sum_r D[r,e] x_r, D = softmax
 * over the sequence's rows of X[., e] (dispatch), and row r's output is sum_e C[r,e]
 * y(slot(e, its sequence)), C = softmax over experts of X[r, .] (combine, = the router
 * probabilities).
 *
 * P > 1: every slot (e, j) has its own logits Z[r,e,j] = X[r,e] + Y[r,e,j], Y = x Psi from a
 * second linear map of the gate's input (experts x P outputs; the paper's per-slot Phi,
 * written as the gate's column plus a per-slot one). D = softmax over the sequence's rows of
 * Z[., e, j]; C = softmax over all experts x P slots of Z[r, ., .], computed as
 * p[r,e] q[r,e,j] with p = softmax_e(X + logsumexp_j Y) (the router probabilities, so the
 * load and the balance losses see experts) and q = softmax_j Y[r,e,.] (plan.rowShares).
 * Nothing is dropped; the gradient reaches X and Psi through both softmaxes.
 */
class SoftMoeRouter final : public RouterPolicy {
 public:
  explicit SoftMoeRouter(RouterBuild& build);
  static RouterInfo describe();
  const RouterInfo& info() const override;
  /** P > 1: adds logsumexp_j Y[r,e,.] to the scores. */
  void scores(const RouterInput& in, std::vector<float>& h) override;
  /** Not used: buildPlan builds the plan. Routes like the dense router if called. */
  void choose(const RouterInput& in, const std::vector<float>& p, RouterChoices& out) override;
  bool buildPlan(const RouterInput& in, const std::vector<float>& p, DispatchPlan& plan) override;
  void dispatchBackward(const DispatchPlan& plan, const float* dSlotWeights,
                        const float* dRowShares, float* dz) const override;
  /** P > 1: takes the slot logits' gradient (from dispatchBackward and the scores) to Psi. */
  void backward(const std::vector<float>& dh, const compute::Tensor& x,
                compute::Tensor* dx) override;
  std::vector<Parameter*> parameters() override;
  int slotsPerExpert() const { return mSlots; }

 private:
  void buildSlotPlan(const RouterInput& in, const std::vector<float>& p, DispatchPlan& plan);

  compute::Backend& mBackend;
  int mSlots = 1;
  std::unique_ptr<Linear> mSlotGate;  ///< Psi: only when P > 1
  Scratch mYS, mDyS;
  int mRows = 0, mExperts = 0;
  std::vector<std::int32_t> mSeqPtr;  ///< sequence boundaries of the last plan
  std::vector<float> mY, mQ;          ///< rows x experts x P: slot logits Y and q
  mutable std::vector<float> mDy;     ///< d loss / d Y of the current backward
};

}  // namespace moe::core
