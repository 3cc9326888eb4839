#include "core/model/expert_bank.h"

#include <cmath>

#include "core/optim/optimizer.h"

namespace moe::core {

ExpertBank::ExpertBank(compute::Backend& backend, int experts, int in, int hidden, int out,
                       compute::Activation act, std::mt19937_64& rng, const std::string& name)
    : mBackend(backend), mExperts(experts), mIn(in), mHidden(hidden), mOut(out), mAct(act) {
  const int firstOut = hidden > 0 ? hidden : out;
  const float b1 = 1.0f / std::sqrt(float(in));
  mW1 = makeParameter(backend, name + ".w1", experts * in, firstOut, b1, rng);
  mB1 = makeParameter(backend, name + ".b1", experts, firstOut, b1, rng);
  if (hidden > 0) {
    const float b2 = 1.0f / std::sqrt(float(hidden));
    mW2 = makeParameter(backend, name + ".w2", experts * hidden, out, b2, rng);
    mB2 = makeParameter(backend, name + ".b2", experts, out, b2, rng);
  }
}

const compute::Tensor& ExpertBank::forward(const compute::Tensor& xe, std::span<const int> offsets) {
  mOffsets.assign(offsets.begin(), offsets.end());
  mXe = xe;
  const int slots = xe.rows();
  if (mHidden == 0) {
    mYe = mYeS.get(mBackend, slots, mOut);
    mBackend.groupedGemm(xe, mW1.value, mYe, mOffsets);
    mBackend.groupedAddBias(mYe, mB1.value, mOffsets);
    return mYe;
  }
  mPre = mPreS.get(mBackend, slots, mHidden);
  mHid = mHidS.get(mBackend, slots, mHidden);
  mYe = mYeS.get(mBackend, slots, mOut);
  mBackend.groupedGemm(xe, mW1.value, mPre, mOffsets);
  mBackend.groupedAddBias(mPre, mB1.value, mOffsets);
  mBackend.activation(mAct, mPre, mHid);
  mBackend.groupedGemm(mHid, mW2.value, mYe, mOffsets);
  mBackend.groupedAddBias(mYe, mB2.value, mOffsets);
  return mYe;
}

void ExpertBank::weightGradient(const compute::Tensor& x, const compute::Tensor& dy, Parameter& w) {
  // x and dy (scratch of this bank and of its MoE layer) keep their values until the next
  // forward, so the optimizer may compute the gradient in its step, fused with the update.
  if (mFused && mFused->deferGroupedWeightGradient(&w, x, dy, mOffsets)) return;
  mBackend.groupedGemmBackwardWeight(x, dy, w.grad, mOffsets, 0.0f);
}

void ExpertBank::backward(const compute::Tensor& dye, compute::Tensor* dxe) {
  mDye = dye;
  if (mFused)
    for (Parameter* p : parameters()) mFused->setExpertSegments(p, mOffsets);
  if (mHidden == 0) {
    if (dxe) mBackend.groupedGemmBackwardInput(dye, mW1.value, *dxe, mOffsets);
    mBackend.groupedBiasGrad(dye, mB1.grad, mOffsets, 0.0f);
    weightGradient(mXe, dye, mW1);
    return;
  }
  mDHid = mDHidS.get(mBackend, dye.rows(), mHidden);
  mBackend.groupedGemmBackwardInput(dye, mW2.value, mDHid, mOffsets);
  mBackend.groupedBiasGrad(dye, mB2.grad, mOffsets, 0.0f);
  weightGradient(mHid, dye, mW2);
  mBackend.activationBackward(mAct, mPre, mHid, mDHid, mDHid);
  if (dxe) mBackend.groupedGemmBackwardInput(mDHid, mW1.value, *dxe, mOffsets);
  mBackend.groupedBiasGrad(mDHid, mB1.grad, mOffsets, 0.0f);
  weightGradient(mXe, mDHid, mW1);
}

void ExpertBank::expertNorms(std::vector<float>& grad, std::vector<float>& weight) {
  const std::size_t E = std::size_t(mExperts);
  std::vector<double> g(E, 0.0), w(E, 0.0);
  // Adds the squares of each expert's block (size / E elements of a stacked tensor) to out.
  // Reads host-visible tensors in place (no copy); eight float lanes per block vectorise, and
  // a block's lanes are summed in double.
  std::vector<float> copy;
  auto addBlocks = [&](const compute::Tensor& t, std::vector<double>& out) {
    const float* v = t.f32();
    if (v == nullptr) {
      copy = compute::toHost(mBackend, t);
      v = copy.data();
    }
    const std::size_t block = t.size() / E;
    for (std::size_t e = 0; e < E; ++e) {
      const float* x = v + e * block;
      float lane[8] = {};
      std::size_t i = 0;
      for (; i + 8 <= block; i += 8)
        for (int j = 0; j < 8; ++j) lane[j] += x[i + j] * x[i + j];
      double sum = 0.0;
      for (float l : lane) sum += double(l);
      for (; i < block; ++i) sum += double(x[i]) * double(x[i]);
      out[e] += sum;
    }
  };
  // Weight matrices: the gradient recomputed (when a backward ran since the last forward).
  auto addWeightGrad = [&](const compute::Tensor& x, const compute::Tensor& dy, const Parameter& p) {
    compute::Tensor dw = mNormS.get(mBackend, p.value.rows(), p.value.cols());
    mBackend.groupedGemmBackwardWeight(x, dy, dw, mOffsets, 0.0f);
    mBackend.synchronize();
    addBlocks(dw, g);
  };
  const bool backwardRan = mDye.rows() > 0 && mDye.rows() == mXe.rows();
  if (backwardRan) {
    if (mHidden == 0) {
      addWeightGrad(mXe, mDye, mW1);
    } else {
      addWeightGrad(mXe, mDHid, mW1);
      addWeightGrad(mHid, mDye, mW2);
    }
  }
  mBackend.synchronize();
  for (Parameter* p : parameters()) {
    addBlocks(p->value, w);
    if (p == &mB1 || p == &mB2) addBlocks(p->grad, g);
  }
  grad.resize(E);
  weight.resize(E);
  for (std::size_t e = 0; e < E; ++e) {
    grad[e] = float(std::sqrt(g[e]));
    weight[e] = float(std::sqrt(w[e]));
  }
}

std::vector<Parameter*> ExpertBank::parameters() {
  if (mHidden == 0) return {&mW1, &mB1};
  return {&mW1, &mB1, &mW2, &mB2};
}

long ExpertBank::paramsPerExpert() const {
  if (mHidden == 0) return long(mIn) * mOut + mOut;
  return long(mIn) * mHidden + mHidden + long(mHidden) * mOut + mOut;
}

}  // namespace moe::core
