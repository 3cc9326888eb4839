#pragma once
/** @file Auxiliary-loss-free load balancing (DeepSeek-V3; Wang et al. 2024): a per-expert bias
 *  added to the router's probabilities for the choice of experts only. */
#include <cstdint>
#include <span>
#include <vector>

namespace moe::core {

/**
 * The bias b (one value per expert) and the load it is moved against. Each training step,
 * record() counts the experts every row selects (top-k of p + b, before capacity drops); after
 * the optimizer step, update() moves b_e by rate * sign(mean load - load_e): an overloaded
 * expert's bias falls, an idle one's rises. No gradient flows through b; the gates stay p.
 */
class BalancingBias {
 public:
  /** `rate` 0 makes it inactive (no bias, no state). */
  BalancingBias(int experts, double rate);

  bool active() const { return mRate > 0.0; }
  /** The bias, experts values (empty when inactive). */
  const std::vector<float>& values() const { return mBias; }
  /** Counts the selections of one training batch: p is rows x experts, k experts per row. */
  void record(const std::vector<float>& p, int rows, int k);
  /** Moves the bias against the recorded load and forgets it; nothing when nothing was
   *  recorded since the last update. */
  void update();
  /** Replaces the bias (checkpoints); returns false, changing nothing, unless it has
   *  experts finite values. */
  bool set(std::span<const float> values);

 private:
  int mExperts;
  double mRate;
  std::vector<float> mBias;
  std::vector<std::int64_t> mLoad;
  bool mRecorded = false;
};

}  // namespace moe::core
