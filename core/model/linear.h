#pragma once
/** @file A fully connected layer y = x W + b, forward and backward as a pair. */
#include "core/model/parameter.h"

namespace moe::core {

class Linear {
 public:
  Linear(compute::Backend& backend, const std::string& name, int in, int out,
         std::mt19937_64& rng);

  /** y (rows x out) = x (rows x in) W + b. */
  void forward(const compute::Tensor& x, compute::Tensor& y);
  /** Overwrites the parameter gradients from this batch; dx = beta * dx + dy W^T when dx. */
  void backward(const compute::Tensor& x, const compute::Tensor& dy, compute::Tensor* dx,
                float dxBeta = 0.0f);

  int in() const { return mIn; }
  int out() const { return mOut; }
  Parameter& weight() { return mW; }
  Parameter& bias() { return mB; }

 private:
  compute::Backend& mBackend;
  int mIn, mOut;
  Parameter mW, mB;
};

}  // namespace moe::core
