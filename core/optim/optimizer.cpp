#include "core/optim/optimizer.h"

#include <cmath>
#include <utility>

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

namespace {
compute::AdamParams adamParams(const OptimConfig& c, long step) {
  compute::AdamParams ap;
  ap.lr = float(c.lr);
  ap.beta1 = float(c.beta1);
  ap.beta2 = float(c.beta2);
  ap.weightDecay = float(c.weightDecay);
  ap.decoupled = c.kind == OptimizerKind::AdamW;
  ap.step = step;
  return ap;
}
}  // namespace

std::optional<Optimizer::FusedAdam> Optimizer::fused(const Parameter* p) {
  if (mConfig.kind == OptimizerKind::Sgd || mConfig.clipNorm > 0.0) return std::nullopt;
  for (std::size_t i = 0; i < mParams.size(); ++i)
    if (mParams[i] == p) return FusedAdam{&mM[i], &mV[i], adamParams(mConfig, mSteps + 1)};
  return std::nullopt;
}

void Optimizer::markFused(const Parameter* p, bool ok) {
  if (mFusedThisStep.size() != mParams.size()) mFusedThisStep.assign(mParams.size(), false);
  for (std::size_t i = 0; i < mParams.size(); ++i)
    if (mParams[i] == p) mFusedThisStep[i] = true;
  if (!ok) mFusedFailed = true;
}

double Optimizer::step() {
  if (mFusedThisStep.size() != mParams.size()) mFusedThisStep.assign(mParams.size(), false);
  // Parameters updated during backward are done; their gradients were never written out.
  const std::vector<bool> fusedNow = std::exchange(mFusedThisStep, std::vector<bool>(mParams.size(), false));
  const bool fusedFailed = std::exchange(mFusedFailed, false);
  double sq = 0.0;
  for (std::size_t i = 0; i < mParams.size(); ++i)
    if (!fusedNow[i]) sq += mBackend.sumSquares(mParams[i]->grad);
  const double norm = fusedFailed ? std::nan("") : std::sqrt(sq);
  // A NaN or infinite gradient would poison the weights and the moments: refuse the update and
  // let the caller report divergence. (A fused layer has already skipped its non-finite
  // blocks, but may have updated its finite ones.)
  if (!std::isfinite(norm)) return norm;
  if (mConfig.clipNorm > 0.0 && norm > mConfig.clipNorm) {
    const float scale = float(mConfig.clipNorm / norm);
    for (Parameter* p : mParams) mBackend.axpby(0.0f, p->grad, scale, p->grad);
  }
  ++mSteps;
  for (std::size_t i = 0; i < mParams.size(); ++i) {
    if (fusedNow[i]) continue;
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
      mBackend.adamUpdate(p.value, p.grad, mM[i], mV[i], adamParams(mConfig, mSteps));
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
    mBackend.adamUpdate(value, p.grad, m, v, adamParams(mConfig, mSteps));
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
