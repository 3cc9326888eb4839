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

void Optimizer::setExpertSegments(const Parameter* p, std::span<const int> offsets) {
  if (mConfig.lazyExperts == 0 || offsets.size() < 2) return;
  mIdleRows.resize(mParams.size());
  const int experts = int(offsets.size()) - 1;
  for (std::size_t i = 0; i < mParams.size(); ++i) {
    if (mParams[i] != p) continue;
    const int block = p->value.rows() / experts;
    std::vector<std::int32_t>& rows = mIdleRows[i];
    rows.clear();
    for (int e = 0; e < experts; ++e)
      if (offsets[std::size_t(e) + 1] == offsets[std::size_t(e)])
        for (int r = 0; r < block; ++r) rows.push_back(e * block + r);
  }
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
  mIdleRows.resize(mParams.size());
  if (!std::isfinite(norm)) {
    for (Deferred& d : mDeferred) d.pending = false;
    for (auto& rows : mIdleRows) rows.clear();
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
      compute::AdamParams ap = adamParams(mConfig, mSteps);
      ap.skipEmptySegments = mConfig.lazyExperts != 0;
      mIdleRows[i].clear();
      // Unreachable after provablyFinite; were it not, the step would still be reported.
      fusedFinite = mBackend.groupedGemmBackwardWeightAdam(d.x, d.dy, p.value, mM[i], mV[i],
                                                           d.offsets, ap, p.grad) &&
                    fusedFinite;
      continue;
    }
    if (p.sparse) {
      sparseStep(p, i);
      continue;
    }
    denseStep(p, i);
  }
  return fusedFinite ? norm : std::nan("");
}

void Optimizer::denseStep(Parameter& p, std::size_t i) {
  std::vector<std::int32_t>& idle = mIdleRows[i];
  if (idle.empty()) {
    denseUpdate(p.value, p.grad, mM[i], mV.empty() ? nullptr : &mV[i]);
    return;
  }
  // Lazy experts: the idle experts' rows of the parameter and its state are put back after the
  // dense update (bias vectors and, with clipping or SGD, weights; the fused path skips them).
  const int n = int(idle.size()), cols = p.value.cols();
  compute::Tensor index = mIdleIndex.get(mBackend, n, 1, compute::DType::I32);
  mBackend.write(index, std::span<const std::int32_t>(idle));
  compute::Tensor value = mKeptValue.get(mBackend, n, cols), m = mKeptM.get(mBackend, n, cols);
  mBackend.gatherRows(p.value, index, value);
  mBackend.gatherRows(mM[i], index, m);
  compute::Tensor v;
  if (!mV.empty()) {
    v = mKeptV.get(mBackend, n, cols);
    mBackend.gatherRows(mV[i], index, v);
  }
  denseUpdate(p.value, p.grad, mM[i], mV.empty() ? nullptr : &mV[i]);
  mBackend.scatterRows(value, index, p.value);
  mBackend.scatterRows(m, index, mM[i]);
  if (!mV.empty()) mBackend.scatterRows(v, index, mV[i]);
  idle.clear();
}

void Optimizer::denseUpdate(compute::Tensor& value, const compute::Tensor& grad,
                            compute::Tensor& m, compute::Tensor* v) {
  if (mConfig.kind == OptimizerKind::Sgd) {
    compute::SgdParams sp;
    sp.lr = float(mConfig.lr);
    sp.momentum = float(mConfig.momentum);
    sp.weightDecay = float(mConfig.weightDecay);
    mBackend.sgdUpdate(value, grad, m, sp);
  } else {
    mBackend.adamUpdate(value, grad, m, *v, adamParams(mConfig, mSteps));
  }
}

void Optimizer::sparseStep(Parameter& p, std::size_t i) {
  // Gather the touched rows of the table and its state, update them densely, scatter back.
  const int n = p.rows.rows(), cols = p.value.cols();
  if (n == 0) return;
  compute::Tensor value = mRowValue.get(mBackend, n, cols), m = mRowM.get(mBackend, n, cols);
  mBackend.gatherRows(p.value, p.rows, value);
  mBackend.gatherRows(mM[i], p.rows, m);
  compute::Tensor v;
  if (!mV.empty()) {
    v = mRowV.get(mBackend, n, cols);
    mBackend.gatherRows(mV[i], p.rows, v);
  }
  denseUpdate(value, p.grad, m, mV.empty() ? nullptr : &v);
  if (!mV.empty()) mBackend.scatterRows(v, p.rows, mV[i]);
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
