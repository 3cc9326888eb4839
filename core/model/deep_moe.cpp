#include "core/model/deep_moe.h"

#include "core/model/gate_inspection.h"
#include "core/train/layer_settings.h"

namespace moe::core {

DeepMoeClassifier::DeepMoeClassifier(compute::Backend& backend, int features, int classes,
                                     const ModelConfig& config, std::mt19937_64& rng)
    : mBackend(backend),
      mFeatures(features),
      mClasses(classes),
      mWidth(config.stemWidth),
      mConfig(config),
      mHead(backend, "head", config.stemWidth, classes, rng) {
  validateLayerSettings(config);
  for (int l = 0; l < config.layers; ++l) {
    mLayers.push_back(std::make_unique<MoeLayer>(backend, l == 0 ? features : mWidth, mWidth,
                                                 layerConfig(config, l), rng));
    // Checkpoints match tensors by name: each layer's are its own.
    for (Parameter* p : mLayers.back()->parameters())
      p->name = "moe" + std::to_string(l + 1) + "." + p->name;
  }
  mH.resize(mLayers.size());
  mD.resize(mLayers.size());
  mHS.resize(mLayers.size());
  mDS.resize(mLayers.size());
}

std::vector<MoeLayer*> DeepMoeClassifier::moeLayers() {
  std::vector<MoeLayer*> out;
  for (auto& l : mLayers) out.push_back(l.get());
  return out;
}

const compute::Tensor& DeepMoeClassifier::forward(const Batch& batch, bool training,
                                                  const StepContext& ctx) {
  const int rows = batch.rows;
  mX = batch.x;
  mPre = mPreS.get(mBackend, rows, mWidth);
  for (std::size_t l = 0; l < mLayers.size(); ++l) mH[l] = mHS[l].get(mBackend, rows, mWidth);
  mLogits = mLogitsS.get(mBackend, rows, mClasses);
  mBackend.copy(mLayers[0]->forward(mX, training, ctx.loss, ctx.noiseSeed, ctx.noiseCounter), mPre);
  mBackend.activation(compute::Activation::Relu, mPre, mH[0]);
  for (std::size_t l = 1; l < mLayers.size(); ++l) {
    const compute::Tensor& m =
        mLayers[l]->forward(mH[l - 1], training, ctx.loss, ctx.noiseSeed, ctx.noiseCounter);
    mBackend.copy(m, mH[l]);
    mBackend.axpby(1.0f, mH[l - 1], 1.0f, mH[l]);  // residual: dropped rows pass through
  }
  mHead.forward(mH.back(), mLogits);
  return mLogits;
}

void DeepMoeClassifier::backward(const compute::Tensor& dLogits) {
  const int rows = dLogits.rows();
  for (std::size_t l = 0; l < mLayers.size(); ++l) mD[l] = mDS[l].get(mBackend, rows, mWidth);
  mHead.backward(mH.back(), dLogits, &mD.back());
  for (std::size_t l = mLayers.size() - 1; l >= 1; --l) {
    mBackend.copy(mD[l], mD[l - 1]);                 // the residual path
    mLayers[l]->backward(mD[l], &mD[l - 1], 1.0f);   // plus the MoE path
  }
  mBackend.activationBackward(compute::Activation::Relu, mPre, mH[0], mD[0], mD[0]);
  mLayers[0]->backward(mD[0], nullptr, 0.0f);
}

std::vector<Parameter*> DeepMoeClassifier::parameters() {
  std::vector<Parameter*> p;
  for (auto& l : mLayers)
    for (Parameter* q : l->parameters()) p.push_back(q);
  p.push_back(&mHead.weight());
  p.push_back(&mHead.bias());
  return p;
}

long DeepMoeClassifier::paramsActivePerInput() const {
  long n = long(mWidth + 1) * mClasses;
  for (const auto& l : mLayers) n += l->activeParamsPerRow();
  return n;
}

double DeepMoeClassifier::flopsPerInput(const Dataset&) const {
  double f = 2.0 * double(long(mWidth + 1) * mClasses);
  for (const auto& l : mLayers) f += l->flopsPerRow();
  return f;
}

std::string DeepMoeClassifier::describe() const {
  std::string s = "Deep MoE: " + std::to_string(mFeatures) + " inputs";
  for (std::size_t l = 0; l < mLayers.size(); ++l) {
    const ModelConfig c = layerConfig(mConfig, int(l));
    s += " -> MoE " + std::to_string(l + 1) + " (" + std::to_string(c.routedExperts()) +
         " experts, " + c.router + ", k=" + std::to_string(c.routedTopK()) + ")";
  }
  return s + " of width " + std::to_string(mWidth) + " -> " + std::to_string(mClasses) + " classes";
}

Inspection DeepMoeClassifier::inspect(const Batch& one) {
  Inspection out;
  const compute::Tensor& logits = forward(one, false, StepContext{});
  fillPrediction(mBackend, logits, out);
  for (std::size_t l = 0; l < mLayers.size(); ++l) {
    Inspection layer;
    layer.prediction = out.prediction;
    layer.predicted = out.predicted;
    layer.classes = out.classes;
    const auto dz = fillGate(*mLayers[l], layer);
    if (l == 0) {  // the first gate reads the pixels: its saliency is one gradient away
      compute::Tensor dx = mBackend.alloc(1, mFeatures);
      mLayers[0]->router().inputGradient(dz, dx);
      layer.saliency = compute::toHost(mBackend, dx);
    } else {
      layer.note = "layer " + std::to_string(l + 1) +
                   "'s gate reads the previous layer's features: no saliency over the pixels";
    }
    out.layers.push_back(std::move(layer));
  }
  const Inspection& first = out.layers.front();
  out.experts = first.experts;
  out.gateProbs = first.gateProbs;
  out.gateLogits = first.gateLogits;
  out.chosen = first.chosen;
  out.chosenGates = first.chosenGates;
  out.dropped = first.dropped;
  out.saliency = first.saliency;
  return out;
}

}  // namespace moe::core
