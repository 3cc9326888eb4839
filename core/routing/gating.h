#pragma once
/** @file Host-side gating shared by every router: from scores to probabilities and a
 *  DispatchPlan, the auxiliary losses, and the backward pass to the logits. Works on the small
 *  rows x experts matrices only, so every backend shares it and finite-difference tests can
 *  check it directly. What differs between routers lives in RouterPolicy. */
#include <cstdint>
#include <deque>
#include <vector>

#include "core/routing/dispatch_plan.h"
#include "core/routing/router_policy.h"
#include "core/train/config.h"
#include "core/train/metrics.h"

namespace moe::core {

/** Weighted auxiliary losses of one batch; the unweighted values are reported too. */
struct AuxLosses {
  double switchLoss = 0.0;      ///< N * sum_i f_i P_i (1.0 when perfectly balanced)
  double importanceLoss = 0.0;  ///< CV^2 of per-expert summed gates
  double loadLoss = 0.0;        ///< CV^2 of per-expert (smooth) load
  double zLoss = 0.0;           ///< mean over rows of logsumexp(logits)^2
  double weighted = 0.0;        ///< sum of weight * value, added to the task loss
};

/**
 * One batch's gating. forward() routes: the router sets the scores H (the logits, or the
 * logits plus noise), p = softmax(H), the router chooses experts and gates from p, and the
 * plan is built from its choices. aux() computes the losses and remembers their gradients;
 * backward() turns the gradient of the combine weights (plus the aux gradients) into the
 * gradient of the logits, through the renormalisation when the router renormalises (g_i = p_i
 * / sum of the chosen p), and leaves the gradient of the scores for the router's own backward.
 */
class Gating {
 public:
  /** Routes the batch `in` (in.logits: rows x experts) with `router`, which must outlive the
   *  calls to aux() and backward() for this batch. */
  void forward(RouterPolicy& router, const RouterInput& in);
  /** Computes the auxiliary losses for this batch and stores their weighted gradients. */
  AuxLosses aux(const LossConfig& weights);
  /** dRowGates: gradient of the loss w.r.t. plan().rowGates. Writes dz (rows x experts), the
   *  gradient w.r.t. the logits, and dh, the gradient w.r.t. the scores H (for the router).
   *  dSlotWeights (weighted plans): the gradient w.r.t. plan().slotInWeights, taken to dz by
   *  the router (RouterPolicy::dispatchBackward). */
  void backward(const float* dRowGates, float* dz, std::vector<float>& dh,
                const float* dSlotWeights = nullptr) const;

  const DispatchPlan& plan() const { return mPlan; }
  const std::vector<float>& probs() const { return mP; }
  /** True when the scores were more than the logits (the noisy router in training). */
  bool perturbed() const { return mRouter && mRouter->perturbed(); }

 private:
  void buildPlan(const RouterChoices& choices);
  /** Switch loss for the configured balance scope: fills mAuxDp and returns N sum f P. */
  double switchLoss(const LossConfig& w);

  RouterPolicy* mRouter = nullptr;
  int mRows = 0, mExperts = 0;
  bool mSigmoid = false, mTraining = false;
  float mScale = 1.0f;
  std::vector<std::int32_t> mSequenceStart;  ///< rows where a sequence starts (positions 0)
  /** Global balance scope: first-choice counts per expert of recent training batches. */
  std::deque<std::vector<double>> mWindow;
  std::vector<float> mZ, mH, mP;
  RouterChoices mChoices;
  DispatchPlan mPlan;
  // Gradients of the weighted aux losses, added in backward().
  std::vector<float> mAuxDp, mAuxDz, mAuxDRowGates;
};

}  // namespace moe::core
