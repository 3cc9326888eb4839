#pragma once
/** @file Host-side gating: from router logits to a DispatchPlan, the auxiliary losses, and the
 *  backward pass to the logits. Works on the small rows x experts matrices only, so every
 *  backend shares it and finite-difference tests can check it directly. */
#include <vector>

#include "core/routing/dispatch_plan.h"
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
 * One batch's gating. forward() routes; aux() computes losses and remembers their gradients;
 * backward() turns the gradient of the combine weights (plus the aux gradients) into
 * gradients of the clean logits and, for the noisy router, of the noise logits.
 *
 * Scores are H = z + eps * noiseScale * softplus(zNoise) for the noisy router in training,
 * else H = z; probabilities p = softmax(H). Gates: Dense, Switch, Expert Choice use p as is;
 * TopK and NoisyTopK renormalise p over the chosen experts (= softmax over the top-k scores).
 * Capacity = ceil(capacityFactor * k * rows / experts), with k = 1 for Switch.
 */
class Gating {
 public:
  struct Settings {
    RouterKind kind = RouterKind::TopK;
    int k = 2;
    double capacityFactor = 1.25;
    float noiseScale = 1.0f;
  };

  /** z: rows x experts logits. zNoise and eps (rows x experts) only for the noisy router in
   *  training; pass nullptr otherwise. */
  void forward(const Settings& s, int rows, int experts, const float* z, const float* zNoise,
               const float* eps);
  /** Computes the auxiliary losses for this batch and stores their weighted gradients. */
  AuxLosses aux(const LossConfig& weights);
  /** dRowGates: gradient of the loss w.r.t. plan().rowGates. Writes dz (rows x experts) and,
   *  when the noise path was used, dzNoise. */
  void backward(const float* dRowGates, float* dz, float* dzNoise) const;

  const DispatchPlan& plan() const { return mPlan; }
  const std::vector<float>& probs() const { return mP; }
  bool noisy() const { return mNoisy; }

 private:
  void choose(const Settings& s);
  void buildPlan(const std::vector<std::vector<std::pair<int, float>>>& choices);

  Settings mSettings;
  int mRows = 0, mExperts = 0;
  bool mNoisy = false;
  std::vector<float> mZ, mZNoise, mEps, mSigma, mH, mP;
  DispatchPlan mPlan;
  std::vector<std::uint8_t> mWanted;  ///< per row: lost a wanted expert to capacity
  // Gradients of the weighted aux losses, added in backward().
  std::vector<float> mAuxDp, mAuxDz, mAuxDzNoise, mAuxDRowGates;
};


}  // namespace moe::core
