// Fused optimizer updates.
#include <cmath>

#include "compute/opencl/opencl_backend_impl.h"

namespace moe::compute {

void OpenClBackend::doAdamUpdate(Tensor& param, const Tensor& grad, Tensor& m, Tensor& v,
                                 const AdamParams& p) {
  const float bc1 = 1.0f - std::pow(p.beta1, float(p.step));
  const float bc2 = 1.0f - std::pow(p.beta2, float(p.step));
  launch1d(mK.adamUpdate, param.size(), param, grad, m, v, int(param.size()), p.beta1, p.beta2,
           p.eps, p.weightDecay, p.decoupled, 1.0f - p.lr * p.weightDecay, p.lr / bc1,
           std::sqrt(bc2));
}

void OpenClBackend::doSgdUpdate(Tensor& param, const Tensor& grad, Tensor& velocity,
                                const SgdParams& p) {
  launch1d(mK.sgdUpdate, param.size(), param, grad, velocity, int(param.size()), p.lr, p.momentum,
           p.weightDecay, p.nesterov);
}

}  // namespace moe::compute
