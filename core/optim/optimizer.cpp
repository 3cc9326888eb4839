#include "core/optim/optimizer.h"

#include <cmath>
#include <limits>
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

bool Optimizer::deferGroupedWeightGradient(const Parameter* p, const compute::Tensor& x,
                                           const compute::Tensor& dy,
                                           std::span<const int> offsets) {
  if (mConfig.kind == OptimizerKind::Sgd || mConfig.clipNorm > 0.0) return false;
  mDeferred.resize(mParams.size());
  for (std::size_t i = 0; i < mParams.size(); ++i)
    if (mParams[i] == p) {
      Deferred& d = mDeferred[i];
      d.pending = true;
      d.x = x;
      d.dy = dy;
      d.offsets.assign(offsets.begin(), offsets.end());
      return true;
    }
  return false;
}

bool Optimizer::provablyFinite(const Deferred& d) {
  // The gradient G = x^T dy (per segment) has ||G||^2 <= ||x||^2 ||dy||^2 (Cauchy-Schwarz),
  // and float rounding over fewer than 2^22 terms adds under a factor 2 to each element. Below
  // FLT_MAX / 16 neither an element, nor a partial sum, nor the sum of squares a non-fusing
  // backend checks can overflow; NaN or infinity in x or dy fails the test. One pass over each.
  if (d.x.rows() >= (1 << 22)) return false;
  const double sx = mBackend.sumSquares(d.x), sy = mBackend.sumSquares(d.dy);
  return sx * sy <= double(std::numeric_limits<float>::max()) / 16.0;
}

double Optimizer::step() {
  mDeferred.resize(mParams.size());
  // Every gradient is checked before anything is written, so a refused step leaves weights,
  // moments and the step count as they were. A deferred gradient that its bound cannot prove
  // finite is written out and checked like the others (never in a healthy run).
  for (std::size_t i = 0; i < mParams.size(); ++i) {
    Deferred& d = mDeferred[i];
    if (d.pending && !provablyFinite(d)) {
      mBackend.groupedGemmBackwardWeight(d.x, d.dy, mParams[i]->grad, d.offsets, 0.0f);
      d.pending = false;
    }
  }
  double sq = 0.0;
  for (std::size_t i = 0; i < mParams.size(); ++i)
    if (!mDeferred[i].pending) sq += mBackend.sumSquares(mParams[i]->grad);
  const double norm = std::sqrt(sq);
  if (!std::isfinite(norm)) {
    for (Deferred& d : mDeferred) d.pending = false;
    return norm;
  }
  if (mConfig.clipNorm > 0.0 && norm > mConfig.clipNorm) {
    const float scale = float(mConfig.clipNorm / norm);
    for (Parameter* p : mParams) mBackend.axpby(0.0f, p->grad, scale, p->grad);
  }
  ++mSteps;
  bool fusedFinite = true;
  for (std::size_t i = 0; i < mParams.size(); ++i) {
    Parameter& p = *mParams[i];
    if (Deferred& d = mDeferred[i]; d.pending) {
      d.pending = false;
      // Unreachable after provablyFinite; were it not, the step would still be reported.
      fusedFinite =
          mBackend.groupedGemmBackwardWeightAdam(d.x, d.dy, p.value, mM[i], mV[i], d.offsets,
                                                 adamParams(mConfig, mSteps), p.grad) &&
          fusedFinite;
      continue;
    }
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
  return fusedFinite ? norm : std::nan("");
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
