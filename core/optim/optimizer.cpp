#include "core/optim/optimizer.h"

#include <cmath>

namespace moe::core {

Optimizer::Optimizer(compute::Backend& backend, std::vector<Parameter*> params,
                     const OptimConfig& config)
    : mBackend(backend), mParams(std::move(params)), mConfig(config) {
  for (Parameter* p : mParams) {
    mM.push_back(backend.alloc(p->value.rows(), p->value.cols()));
    if (config.kind != OptimizerKind::Sgd)
      mV.push_back(backend.alloc(p->value.rows(), p->value.cols()));
  }
}

double Optimizer::step() {
  double sq = 0.0;
  for (Parameter* p : mParams) sq += mBackend.sumSquares(p->grad);
  const double norm = std::sqrt(sq);
  // A NaN or infinite gradient would poison the weights and the moments: refuse the update and
  // let the caller report divergence with the model as it was.
  if (!std::isfinite(norm)) return norm;
  if (mConfig.clipNorm > 0.0 && norm > mConfig.clipNorm) {
    const float scale = float(mConfig.clipNorm / norm);
    for (Parameter* p : mParams) mBackend.axpby(0.0f, p->grad, scale, p->grad);
  }
  ++mSteps;
  for (std::size_t i = 0; i < mParams.size(); ++i) {
    Parameter& p = *mParams[i];
    if (mConfig.kind == OptimizerKind::Sgd) {
      compute::SgdParams sp;
      sp.lr = float(mConfig.lr);
      sp.momentum = float(mConfig.momentum);
      sp.weightDecay = float(mConfig.weightDecay);
      mBackend.sgdUpdate(p.value, p.grad, mM[i], sp);
    } else {
      compute::AdamParams ap;
      ap.lr = float(mConfig.lr);
      ap.beta1 = float(mConfig.beta1);
      ap.beta2 = float(mConfig.beta2);
      ap.weightDecay = float(mConfig.weightDecay);
      ap.decoupled = mConfig.kind == OptimizerKind::AdamW;
      ap.step = mSteps;
      mBackend.adamUpdate(p.value, p.grad, mM[i], mV[i], ap);
    }
  }
  return norm;
}

std::vector<std::pair<std::string, compute::Tensor*>> Optimizer::state() {
  std::vector<std::pair<std::string, compute::Tensor*>> s;
  for (std::size_t i = 0; i < mParams.size(); ++i) {
    s.push_back({mParams[i]->name + ".m", &mM[i]});
    if (!mV.empty()) s.push_back({mParams[i]->name + ".v", &mV[i]});
  }
  return s;
}

}  // namespace moe::core
