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
  if (mConfig.clipNorm > 0.0 && norm > mConfig.clipNorm && std::isfinite(norm)) {
    const float scale = float(mConfig.clipNorm / norm);
    for (Parameter* p : mParams) mBackend.axpby(0.0f, p->grad, scale, p->grad);
  }
  ++mSteps;
  for (std::size_t i = 0; i < mParams.size(); ++i) {
    Parameter& p = *mParams[i];
    if (p.sparse) {
      sparseStep(p, i);
      continue;
    }
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

void Optimizer::sparseStep(Parameter& p, std::size_t i) {
  // Gather the touched rows of the table and its state, update them densely, scatter back.
  const int n = p.rows.rows(), cols = p.value.cols();
  if (n == 0) return;
  compute::Tensor value = mRowValue.get(mBackend, n, cols), m = mRowM.get(mBackend, n, cols);
  mBackend.gatherRows(p.value, p.rows, value);
  mBackend.gatherRows(mM[i], p.rows, m);
  if (mConfig.kind == OptimizerKind::Sgd) {
    compute::SgdParams sp;
    sp.lr = float(mConfig.lr);
    sp.momentum = float(mConfig.momentum);
    sp.weightDecay = float(mConfig.weightDecay);
    mBackend.sgdUpdate(value, p.grad, m, sp);
  } else {
    compute::Tensor v = mRowV.get(mBackend, n, cols);
    mBackend.gatherRows(mV[i], p.rows, v);
    compute::AdamParams ap;
    ap.lr = float(mConfig.lr);
    ap.beta1 = float(mConfig.beta1);
    ap.beta2 = float(mConfig.beta2);
    ap.weightDecay = float(mConfig.weightDecay);
    ap.decoupled = mConfig.kind == OptimizerKind::AdamW;
    ap.step = mSteps;
    mBackend.adamUpdate(value, p.grad, m, v, ap);
    mBackend.scatterRows(v, p.rows, mV[i]);
  }
  mBackend.scatterRows(value, p.rows, p.value);
  mBackend.scatterRows(m, p.rows, mM[i]);
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
