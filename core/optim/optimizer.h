#pragma once
/** @file SGD with momentum, Adam and AdamW over a model's parameters, with global-norm
 *  gradient clipping and a learning rate that may change between steps. */
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/model/parameter.h"
#include "core/train/config.h"

namespace moe::core {

class Optimizer {
 public:
  Optimizer(compute::Backend& backend, std::vector<Parameter*> params, const OptimConfig& config);

  /** Clips (if configured) and applies one update. Returns the norm of the gradients written
   *  out (deferred ones are only checked). A non-finite gradient, deferred ones included, makes
   *  it return a non-finite norm without touching parameters, moments or the step count. */
  double step();

  void setLearningRate(double lr) { mConfig.lr = lr; }
  double learningRate() const { return mConfig.lr; }
  long steps() const { return mSteps; }
  const OptimConfig& config() const { return mConfig; }

  /**
   * Fusing a weight gradient with its Adam step (Adam and AdamW without gradient clipping,
   * which needs the global norm first): a layer whose weight gradient is the grouped product
   * x^T dy over expert segments (an expert bank) hands x, dy and the segments here instead of
   * writing p.grad; step() then computes the gradient and applies Adam in one pass
   * (Backend::groupedGemmBackwardWeightAdam), after every other gradient has been checked.
   * x and dy must keep their values until step(). Returns false, recording nothing, when this
   * optimizer cannot fuse or p is not one of its parameters: the caller then writes p.grad.
   */
  bool deferGroupedWeightGradient(const Parameter* p, const compute::Tensor& x,
                                  const compute::Tensor& dy, std::span<const int> offsets);

  /**
   * Lazy experts (OptimConfig::lazyExperts): p holds one equal block of rows per expert
   * (offsets.size() - 1 experts), and an expert whose segment in `offsets` is empty got no
   * rows this step, so the next step() leaves its block of p and of p's state as it is. An
   * expert bank calls this in each backward; with lazy experts off it records nothing.
   */
  void setExpertSegments(const Parameter* p, std::span<const int> offsets);

  /** Optimizer state tensors (moments / velocity), named, for checkpoints. */
  std::vector<std::pair<std::string, compute::Tensor*>> state();
  void setSteps(long steps) { mSteps = steps; }

 private:
  /** A gradient left to step() by deferGroupedWeightGradient. */
  struct Deferred {
    bool pending = false;
    compute::Tensor x, dy;
    std::vector<int> offsets;
  };

  /** Lazy update of a row-sparse parameter: only the rows in p.rows (and their state). */
  void sparseStep(Parameter& p, std::size_t index);
  /** The dense update of parameter i, with the blocks of idle experts kept as they were. */
  void denseStep(Parameter& p, std::size_t i);
  void denseUpdate(compute::Tensor& value, const compute::Tensor& grad, compute::Tensor& m,
                   compute::Tensor* v);
  /** True when d's gradient cannot hold an infinity or NaN, from the norms of x and dy. */
  bool provablyFinite(const Deferred& d);

  compute::Backend& mBackend;
  std::vector<Parameter*> mParams;
  OptimConfig mConfig;
  long mSteps = 0;
  std::vector<compute::Tensor> mM, mV;  // Adam moments, or SGD velocity in mM
  std::vector<Deferred> mDeferred;      // one per parameter
  std::vector<std::vector<std::int32_t>> mIdleRows;  // per parameter: rows of idle experts
  Scratch mIdleIndex, mKeptValue, mKeptM, mKeptV;    // those rows, kept aside during a step
  Scratch mRowValue, mRowM, mRowV;       // touched rows of a sparse parameter and its state
};

}  // namespace moe::core
