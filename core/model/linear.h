#pragma once
/** @file A fully connected layer y = x W + b, forward and backward as a pair. */
#include "core/model/parameter.h"
#include "core/model/row_gather.h"

namespace moe::core {

class Linear {
 public:
  Linear(compute::Backend& backend, const std::string& name, int in, int out,
         std::mt19937_64& rng);

  /** y (rows x out) = x (rows x in) W + b. */
  void forward(const compute::Tensor& x, compute::Tensor& y);
  /** Overwrites the parameter gradients from this batch; dx = beta * dx + dy W^T when dx.
   *  With a RowGather, the parameter gradients are the whole batch's (x and dy gathered). */
  void backward(const compute::Tensor& x, const compute::Tensor& dy, compute::Tensor* dx,
                float dxBeta = 0.0f);
  /** Overwrites the parameter gradients: W' = x^T dy, b' = the column sums of dy. */
  void paramGradients(const compute::Tensor& x, const compute::Tensor& dy);
  /** dx = beta * dx + dy W^T. */
  void inputGradient(const compute::Tensor& dy, compute::Tensor& dx, float dxBeta = 0.0f);
  /** Expert parallelism: backward() gathers the batch's rows through `gather` (nullptr: this
   *  process's rows are the batch). `gather` must outlive its use. */
  void setGather(RowGather* gather) { mGather = gather; }

  int in() const { return mIn; }
  int out() const { return mOut; }
  Parameter& weight() { return mW; }
  Parameter& bias() { return mB; }

 private:
  compute::Backend& mBackend;
  int mIn, mOut;
  Parameter mW, mB;
  RowGather* mGather = nullptr;
  Scratch mXS, mDyS;
};

}  // namespace moe::core
