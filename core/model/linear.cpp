#include "core/model/linear.h"

#include <cmath>

namespace moe::core {

Linear::Linear(compute::Backend& backend, const std::string& name, int in, int out,
               std::mt19937_64& rng)
    : mBackend(backend),
      mIn(in),
      mOut(out),
      mW(makeParameter(backend, name + ".weight", in, out, 1.0f / std::sqrt(float(in)), rng)),
      mB(makeParameter(backend, name + ".bias", 1, out, 1.0f / std::sqrt(float(in)), rng)) {}

void Linear::forward(const compute::Tensor& x, compute::Tensor& y) {
  mBackend.gemm(false, false, 1.0f, x, mW.value, 0.0f, y);
  mBackend.addRowVector(y, mB.value);
}

void Linear::backward(const compute::Tensor& x, const compute::Tensor& dy, compute::Tensor* dx,
                      float dxBeta) {
  if (mGather)
    paramGradients(mGather->gather(x, mXS), mGather->gather(dy, mDyS));
  else
    paramGradients(x, dy);
  if (dx) inputGradient(dy, *dx, dxBeta);
}

void Linear::paramGradients(const compute::Tensor& x, const compute::Tensor& dy) {
  mBackend.gemm(true, false, 1.0f, x, dy, 0.0f, mW.grad);
  mBackend.sumRows(dy, mB.grad, 0.0f);
}

void Linear::inputGradient(const compute::Tensor& dy, compute::Tensor& dx, float dxBeta) {
  mBackend.gemm(false, true, 1.0f, dy, mW.value, dxBeta, dx);
}

}  // namespace moe::core
