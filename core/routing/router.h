#pragma once
/** @file The gate: a linear map to expert logits on the backend, then the registered router
 *  (RouterPolicy) and the shared host-side Gating. */
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/model/linear.h"
#include "core/routing/balancing_bias.h"
#include "core/routing/gating.h"

namespace moe::core {

/** Token data of the rows being routed, where the model has them (null otherwise). */
struct RowTokens {
  const std::int32_t* ids = nullptr;        ///< one token id per row
  const std::int32_t* positions = nullptr;  ///< one position (within its sequence) per row
};

/**
 * Expert parallelism (core/parallel/): this process holds rows [first, first + its rows) of a
 * training batch of `rows`. `gather` replaces the local logits (its rows x experts) by the
 * whole batch's, in row order, so every process routes the whole batch: capacity, drops and
 * Expert Choice's picks are decided as in one process.
 */
struct RouterShard {
  int first = 0;
  int rows = 0;
  std::function<void(std::vector<float>& logits)> gather;
  /** Gathers the gate's input rows in backward: the gate's weight gradient is then the whole
   *  batch's one GEMM on every rank (row_gather.h says why). */
  RowGather* inputs = nullptr;
};

class Router {
 public:
  /** The router named config.router (ConfigError listing the registry when unknown). */
  Router(compute::Backend& backend, int in, const ModelConfig& config, std::mt19937_64& rng);

  /**
   * Computes the logits of x (rows x in) and routes the batch. `step` is the trainer's step
   * counter; noise (noisy router, training only) is drawn from the counter-based generator at
   * (noiseSeed, step), so runs are reproducible and identical across backends.
   */
  const DispatchPlan& route(const compute::Tensor& x, bool training, std::uint64_t noiseSeed,
                            std::uint64_t step, const RowTokens& tokens = {});
  AuxLosses aux(const LossConfig& weights) { return mGating.aux(weights); }
  /** dRowGates: gradient w.r.t. plan().rowGates (and, for weighted plans, dSlotWeights w.r.t.
   *  plan().slotInWeights). Fills the router's parameter gradients and, when dx is given,
   *  dx = dxBeta * dx + d loss / d x. */
  void backward(const std::vector<float>& dRowGates, compute::Tensor* dx, float dxBeta,
                const std::vector<float>* dSlotWeights = nullptr);
  /** dx = dz W_g^T for a given logit gradient dz (rows x experts): for saliency maps. */
  void inputGradient(const std::vector<float>& dz, compute::Tensor& dx);

  const Gating& gating() const { return mGating; }
  const RouterPolicy& policy() const { return *mPolicy; }
  RouterPolicy& policy() { return *mPolicy; }
  /**
   * Replaces the policy built from the registry by `policy`, for tests and analyses of a router
   * that is not registered. Call between steps. The replacement must have no parameters of its
   * own (whoever holds the model's parameter list, e.g. the optimizer, already read it):
   * throws std::invalid_argument otherwise.
   */
  void setPolicy(std::unique_ptr<RouterPolicy> policy);
  /** Puts `policy` in place and returns the one it replaces, without setPolicy's parameter
   *  check: for analyses that wrap the current policy for evaluations and put it back
   *  (core/analysis/ablation.h). Never train while a wrapper is in place. */
  std::unique_ptr<RouterPolicy> exchangePolicy(std::unique_ptr<RouterPolicy> policy);
  const std::vector<float>& logits() const { return mLogitsHost; }
  /** The gate's linear map to the logits (its weight and bias are parameters()' first two). */
  Linear& gate() { return mGate; }
  std::vector<Parameter*> parameters();
  long paramCount() const;
  /** Experts a row gets with the current settings (RouterInfo::expertsPerRow). */
  int expertsPerRow() const;

  /** The router's persistent state for checkpoints: the policy's state(), then the balancing
   *  bias when auxiliary-loss-free balancing is on. */
  std::vector<float> state() const;
  /** Restores a state(); throws RouterStateError naming the router, changing nothing, when it
   *  does not fit. */
  void setState(std::span<const float> s);
  /** After each applied optimizer step: the policy's afterStep, then the bias moves against
   *  the load of that step's choices. */
  void afterStep(std::uint64_t step);
  /** The auxiliary-loss-free balancing bias, one value per expert (empty when off). */
  const std::vector<float>& selectionBias() const { return mBias.values(); }

  /** Routes training batches as a shard of a larger batch (nullptr: as a whole); `shard` must
   *  outlive its use. The policy then sees no gate input (RouterInput::x is null). */
  void setShard(const RouterShard* shard) { mShard = shard; }

  void setCapacityFactor(double cf) { mSettings.capacityFactor = cf; }
  void setNoiseScale(double s) { mSettings.noiseScale = float(s); }

 private:
  compute::Backend& mBackend;
  int mIn, mExperts;
  RouterSettings mSettings;
  Linear mGate;
  std::unique_ptr<RouterPolicy> mPolicy;
  compute::Tensor mX;
  Scratch mLogitsS, mDzS, mDzMineS, mXAllS;
  std::vector<float> mLogitsHost, mDz, mDh;
  Gating mGating;
  BalancingBias mBias;
  const RouterShard* mShard = nullptr;
  bool mSharded = false;  ///< the last route() was a shard's
};

}  // namespace moe::core
