#pragma once
/** @file SGD with momentum, Adam and AdamW over a model's parameters, with global-norm
 *  gradient clipping and a learning rate that may change between steps. */
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/model/parameter.h"
#include "core/train/config.h"

namespace moe::core {

class Optimizer {
 public:
  Optimizer(compute::Backend& backend, std::vector<Parameter*> params, const OptimConfig& config);

  /** Clips (if configured) and applies one update. Returns the gradient norm before clipping.
   *  A non-finite norm is returned without touching parameters, moments or the step count. */
  double step();

  void setLearningRate(double lr) { mConfig.lr = lr; }
  double learningRate() const { return mConfig.lr; }
  long steps() const { return mSteps; }
  const OptimConfig& config() const { return mConfig; }

  /**
   * Fusing the update into the backward pass (Adam and AdamW without gradient clipping, which
   * needs the global norm first): a layer that computes the gradient of `p` asks for its Adam
   * state and the coming step's hyper-parameters, applies the step itself (see
   * Backend::groupedGemmBackwardWeightAdam), and calls markFused(p) so step() skips it.
   */
  struct FusedAdam {
    compute::Tensor* m = nullptr;
    compute::Tensor* v = nullptr;
    compute::AdamParams params;
  };
  std::optional<FusedAdam> fused(const Parameter* p);
  /** p was updated during this step's backward; ok = false when its gradient was not finite. */
  void markFused(const Parameter* p, bool ok);

  /** Optimizer state tensors (moments / velocity), named, for checkpoints. */
  std::vector<std::pair<std::string, compute::Tensor*>> state();
  void setSteps(long steps) { mSteps = steps; }

 private:
  /** Lazy update of a row-sparse parameter: only the rows in p.rows (and their state). */
  void sparseStep(Parameter& p, std::size_t index);

  compute::Backend& mBackend;
  std::vector<Parameter*> mParams;
  OptimConfig mConfig;
  long mSteps = 0;
  std::vector<compute::Tensor> mM, mV;  // Adam moments, or SGD velocity in mM
  std::vector<bool> mFusedThisStep;
  bool mFusedFailed = false;
  Scratch mRowValue, mRowM, mRowV;       // touched rows of a sparse parameter and its state
};

}  // namespace moe::core
