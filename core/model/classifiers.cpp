#include "core/model/classifiers.h"

#include <algorithm>
#include <cmath>

#include "core/model/gate_inspection.h"
#include "core/model/host_softmax.h"

namespace moe::core {


// ---- MoeClassifier ------------------------------------------------------------------------

MoeClassifier::MoeClassifier(compute::Backend& backend, int features, int classes,
                             const ModelConfig& config, std::mt19937_64& rng)
    : mBackend(backend),
      mFeatures(features),
      mClasses(classes),
      mConfig(config),
      mMoe(backend, features, classes, config, rng) {}

const compute::Tensor& MoeClassifier::forward(const Batch& batch, bool training,
                                              const StepContext& ctx) {
  return mMoe.forward(batch.x, training, ctx.loss, ctx.noiseSeed, ctx.noiseCounter);
}

void MoeClassifier::backward(const compute::Tensor& dLogits) { mMoe.backward(dLogits, nullptr, 0.0f); }

std::string MoeClassifier::describe() const {
  return "MoE classifier: " + std::to_string(mFeatures) + " inputs -> " +
         std::to_string(mConfig.routedExperts()) + " experts (" + mConfig.router +
         ", k=" + std::to_string(mConfig.routedTopK()) + ", hidden " +
         std::to_string(mConfig.routedHidden()) + ") -> " + std::to_string(mClasses) + " classes";
}

Inspection MoeClassifier::inspect(const Batch& one) {
  Inspection out;
  const compute::Tensor& logits = forward(one, false, StepContext{});
  fillPrediction(mBackend, logits, out);
  const auto dz = fillGate(mMoe, out);
  const auto ye = compute::toHost(mBackend, mMoe.expertOutputs());
  const DispatchPlan& plan = mMoe.plan();
  for (int j = plan.rowPtr[0]; j < plan.rowPtr[1]; ++j)
    out.expertPredictions.push_back(
        softmaxOf(ye.data() + std::size_t(plan.rowSlots[std::size_t(j)]) * mClasses, mClasses));
  compute::Tensor dx = mBackend.alloc(1, mFeatures);
  mMoe.router().inputGradient(dz, dx);
  out.saliency = compute::toHost(mBackend, dx);
  return out;
}

// ---- StemMoeClassifier ----------------------------------------------------------------------

StemMoeClassifier::StemMoeClassifier(compute::Backend& backend, int features, int classes,
                                     const ModelConfig& config, std::mt19937_64& rng)
    : mBackend(backend),
      mFeatures(features),
      mClasses(classes),
      mWidth(config.stemWidth),
      mConfig(config),
      mStem(backend, "stem", features, config.stemWidth, rng),
      mMoe(backend, config.stemWidth, config.stemWidth, config, rng),
      mHead(backend, "head", config.stemWidth, classes, rng) {}

const compute::Tensor& StemMoeClassifier::forward(const Batch& batch, bool training,
                                                  const StepContext& ctx) {
  const int rows = batch.rows;
  mX = batch.x;
  mPre = mPreS.get(mBackend, rows, mWidth);
  mH = mHS.get(mBackend, rows, mWidth);
  mR = mRS.get(mBackend, rows, mWidth);
  mLogits = mLogitsS.get(mBackend, rows, mClasses);
  mStem.forward(mX, mPre);
  mBackend.activation(compute::Activation::Relu, mPre, mH);
  const compute::Tensor& m = mMoe.forward(mH, training, ctx.loss, ctx.noiseSeed, ctx.noiseCounter);
  mBackend.copy(m, mR);
  mBackend.axpby(1.0f, mH, 1.0f, mR);  // residual: dropped rows pass through unchanged
  mHead.forward(mR, mLogits);
  return mLogits;
}

void StemMoeClassifier::backward(const compute::Tensor& dLogits) {
  const int rows = dLogits.rows();
  mDr = mDrS.get(mBackend, rows, mWidth);
  mDh = mDhS.get(mBackend, rows, mWidth);
  mHead.backward(mR, dLogits, &mDr);
  mBackend.copy(mDr, mDh);                 // the residual path
  mMoe.backward(mDr, &mDh, 1.0f);          // plus the MoE path
  mBackend.activationBackward(compute::Activation::Relu, mPre, mH, mDh, mDh);
  mStem.backward(mX, mDh, nullptr);
}

std::vector<Parameter*> StemMoeClassifier::parameters() {
  std::vector<Parameter*> p{&mStem.weight(), &mStem.bias()};
  for (Parameter* q : mMoe.parameters()) p.push_back(q);
  p.push_back(&mHead.weight());
  p.push_back(&mHead.bias());
  return p;
}

long StemMoeClassifier::paramsActivePerInput() const {
  return long(mFeatures + 1) * mWidth + mMoe.activeParamsPerRow() + long(mWidth + 1) * mClasses;
}

double StemMoeClassifier::flopsPerInput(const Dataset&) const {
  return 2.0 * double(long(mFeatures + 1) * mWidth + long(mWidth + 1) * mClasses) +
         mMoe.flopsPerRow();
}

std::string StemMoeClassifier::describe() const {
  return "Stem + MoE + head: " + std::to_string(mFeatures) + " -> stem " + std::to_string(mWidth) +
         " -> " + std::to_string(mConfig.routedExperts()) + " experts (" + mConfig.router +
         ", k=" + std::to_string(mConfig.routedTopK()) + ") with residual -> " + std::to_string(mClasses) +
         " classes";
}

Inspection StemMoeClassifier::inspect(const Batch& one) {
  Inspection out;
  const compute::Tensor& logits = forward(one, false, StepContext{});
  fillPrediction(mBackend, logits, out);
  const auto dz = fillGate(mMoe, out);
  // Each chosen expert's own prediction: the head applied to h + that expert's output.
  const auto ye = compute::toHost(mBackend, mMoe.expertOutputs());
  const auto h = compute::toHost(mBackend, mH);
  const auto w = compute::toHost(mBackend, mHead.weight().value);
  const auto b = compute::toHost(mBackend, mHead.bias().value);
  const DispatchPlan& plan = mMoe.plan();
  for (int j = plan.rowPtr[0]; j < plan.rowPtr[1]; ++j) {
    const float* y = ye.data() + std::size_t(plan.rowSlots[std::size_t(j)]) * mWidth;
    std::vector<float> z(b);
    for (int i = 0; i < mWidth; ++i)
      for (int c = 0; c < mClasses; ++c) z[c] += (h[i] + y[i]) * w[std::size_t(i) * mClasses + c];
    out.expertPredictions.push_back(softmaxOf(z.data(), mClasses));
  }
  // Saliency: gate gradient back through the router and the stem.
  compute::Tensor dh = mBackend.alloc(1, mWidth), dx = mBackend.alloc(1, mFeatures);
  mMoe.router().inputGradient(dz, dh);
  mBackend.activationBackward(compute::Activation::Relu, mPre, mH, dh, dh);
  mBackend.gemm(false, true, 1.0f, dh, mStem.weight().value, 0.0f, dx);
  out.saliency = compute::toHost(mBackend, dx);
  return out;
}

// ---- DenseMlp -----------------------------------------------------------------------------

DenseMlp::DenseMlp(compute::Backend& backend, int features, int classes, const ModelConfig& config,
                   std::mt19937_64& rng)
    : mBackend(backend),
      mFeatures(features),
      mClasses(classes),
      mHidden(std::max(1, config.expertHidden) * config.topK),
      mAct(config.activation),
      mL1(backend, "dense.l1", features, mHidden, rng),
      mL2(backend, "dense.l2", mHidden, classes, rng) {}

const compute::Tensor& DenseMlp::forward(const Batch& batch, bool, const StepContext&) {
  const int rows = batch.rows;
  mX = batch.x;
  mPre = mPreS.get(mBackend, rows, mHidden);
  mHid = mHidS.get(mBackend, rows, mHidden);
  mLogits = mLogitsS.get(mBackend, rows, mClasses);
  mL1.forward(mX, mPre);
  mBackend.activation(mAct, mPre, mHid);
  mL2.forward(mHid, mLogits);
  return mLogits;
}

void DenseMlp::backward(const compute::Tensor& dLogits) {
  mDHid = mDHidS.get(mBackend, dLogits.rows(), mHidden);
  mL2.backward(mHid, dLogits, &mDHid);
  mBackend.activationBackward(mAct, mPre, mHid, mDHid, mDHid);
  mL1.backward(mX, mDHid, nullptr);
}

std::vector<Parameter*> DenseMlp::parameters() {
  return {&mL1.weight(), &mL1.bias(), &mL2.weight(), &mL2.bias()};
}

long DenseMlp::paramsActivePerInput() const {
  return long(mFeatures + 1) * mHidden + long(mHidden + 1) * mClasses;
}

double DenseMlp::flopsPerInput(const Dataset&) const {
  return 2.0 * double(paramsActivePerInput());
}

std::string DenseMlp::describe() const {
  return "Dense MLP baseline: " + std::to_string(mFeatures) + " -> " + std::to_string(mHidden) +
         " -> " + std::to_string(mClasses);
}

Inspection DenseMlp::inspect(const Batch& one) {
  Inspection out;
  fillPrediction(mBackend, forward(one, false, StepContext{}), out);
  out.note = "the dense baseline has no gate";
  return out;
}

}  // namespace moe::core
