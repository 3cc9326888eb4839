#pragma once
/** @file Shared experts (DeepSeekMoE): always-on experts every row of an MoE layer goes
 *  through, added to the routed output with weight 1. */
#include <vector>

#include "core/model/expert_bank.h"

namespace moe::core {

/**
 * S experts (MLPs in -> hidden -> out, or linear when hidden == 0) that process every row:
 * y += sum_s expert_s(x). They are not routed, so the router, the dispatch plan and the load
 * statistics do not see them. Runs as one ExpertBank over S copies of the rows (a row gather),
 * summed back with a combine.
 */
class SharedExperts {
 public:
  SharedExperts(compute::Backend& backend, int count, int in, int hidden, int out,
                compute::Activation act, std::mt19937_64& rng);

  /** y (rows x out) += the sum of the shared experts' outputs on x (rows x in). Keeps what
   *  backward needs. */
  void forwardAdd(const compute::Tensor& x, compute::Tensor& y);
  /** Overwrites the shared experts' parameter gradients from dy (rows x out); dx += d/dx. */
  void backward(const compute::Tensor& dy, compute::Tensor* dx);

  int count() const { return mCount; }
  std::vector<Parameter*> parameters() { return mBank.parameters(); }
  long paramsPerExpert() const { return mBank.paramsPerExpert(); }
  /** The last forward's output of shared expert s for row r (host, out floats): inspection. */
  std::vector<float> output(int s, int r) const;

 private:
  void buildIndex(int rows);

  compute::Backend& mBackend;
  int mCount, mOut;
  ExpertBank mBank;
  int mRows = -1;
  std::vector<int> mOffsets;
  std::vector<std::int32_t> mIdxHost, mPtrHost, mSlotsHost;
  std::vector<float> mOnesHost;
  compute::Tensor mIdx, mPtr, mSlots, mOnes, mYs;
  Scratch mIdxS, mPtrS, mSlotsS, mOnesS, mXsS, mDysS, mDxsS;
};

}  // namespace moe::core
