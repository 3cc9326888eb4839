#pragma once
/** @file All experts of one MoE layer, weights stacked so one grouped GEMM runs them all. */
#include <span>
#include <vector>

#include "core/model/parameter.h"

namespace moe::core {

class Optimizer;

/**
 * E experts, each an MLP in -> hidden -> out with an activation, or a single linear map when
 * hidden == 0. Expert e processes the packed rows [offsets[e], offsets[e+1]) of its input.
 */
class ExpertBank {
 public:
  /** `name` prefixes the parameters' names (name.w1, name.b1, ...). */
  ExpertBank(compute::Backend& backend, int experts, int in, int hidden, int out,
             compute::Activation act, std::mt19937_64& rng,
             const std::string& name = "experts");

  /** Runs every expert on its segment of xe (slots x in); returns ye (slots x out). Keeps
   *  what backward needs. */
  const compute::Tensor& forward(const compute::Tensor& xe, std::span<const int> offsets);
  /** Overwrites the parameter gradients; writes dxe (slots x in) when asked. */
  void backward(const compute::Tensor& dye, compute::Tensor* dxe);

  /** When set (and the optimizer can fuse), backward leaves the weight matrices' gradients to
   *  the optimizer, which computes each in its step fused with the update, saving a round trip
   *  through memory (Optimizer::deferGroupedWeightGradient). */
  void setFusedOptimizer(Optimizer* optimizer) { mFused = optimizer; }

  std::vector<Parameter*> parameters();
  long paramsPerExpert() const;
  /** Per expert, the L2 norm of its parameters' gradient from the last backward (weight
   *  gradients recomputed into scratch, as the optimizer may have fused them away; call before
   *  the next forward; without a backward since it, only the biases' gradients) and of all its
   *  parameters. For diagnostics: changes no parameter. */
  void expertNorms(std::vector<float>& grad, std::vector<float>& weight);
  int experts() const { return mExperts; }

 private:
  compute::Backend& mBackend;
  int mExperts, mIn, mHidden, mOut;
  compute::Activation mAct;
  Parameter mW1, mB1, mW2, mB2;  // mW2/mB2 unused for linear experts
  void weightGradient(const compute::Tensor& x, const compute::Tensor& dy, Parameter& w);

  Optimizer* mFused = nullptr;
  std::vector<int> mOffsets;
  compute::Tensor mXe, mPre, mHid, mYe, mDHid, mDye;
  Scratch mPreS, mHidS, mYeS, mDHidS, mNormS;
};

}  // namespace moe::core
