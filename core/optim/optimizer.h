#pragma once
/** @file SGD with momentum, Adam and AdamW over a model's parameters, with global-norm
 *  gradient clipping and a learning rate that may change between steps. */
#include <memory>
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

  /** Optimizer state tensors (moments / velocity), named, for checkpoints. */
  std::vector<std::pair<std::string, compute::Tensor*>> state();
  void setSteps(long steps) { mSteps = steps; }

 private:
  compute::Backend& mBackend;
  std::vector<Parameter*> mParams;
  OptimConfig mConfig;
  long mSteps = 0;
  std::vector<compute::Tensor> mM, mV;  // Adam moments, or SGD velocity in mM
};

}  // namespace moe::core
