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

  /** Clips (if configured) and applies one update. Returns the gradient norm before clipping. */
  double step();

  void setLearningRate(double lr) { mConfig.lr = lr; }
  double learningRate() const { return mConfig.lr; }
  long steps() const { return mSteps; }
  const OptimConfig& config() const { return mConfig; }

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
  Scratch mRowValue, mRowM, mRowV;       // touched rows of a sparse parameter and its state
};

}  // namespace moe::core
