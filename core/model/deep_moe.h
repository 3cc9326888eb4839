#pragma once
/** @file Deep (stacked) mixture of experts, after Eigen, Ranzato & Sutskever (2013), "Learning
 *  Factored Representations in a Deep Mixture of Experts". */
#include <memory>
#include <vector>

#include "core/model/linear.h"
#include "core/model/model.h"

namespace moe::core {

/**
 * input -> MoE 1 (features -> W) -> ReLU -> MoE 2 (W -> W, residual) -> ... -> MoE L -> linear
 * head -> logits, with W = ModelConfig::stemWidth and L = ModelConfig::layers. Each layer is a
 * MoeLayer with its own router, its own settings (layerConfig: experts, top-k, router) and its
 * own auxiliary losses, summed into the training loss. The first layer's experts read the raw
 * input, so its gate decides from pixels (where the object is, in Eigen et al.'s experiment);
 * the later layers' gates read the previous layer's features. Layers after the first keep a
 * residual (h + MoE(h)): a row their router drops passes through unchanged.
 * moe() is the first layer; moeLayers() all of them; parameters are named moe1.*, moe2.*, ...
 */
class DeepMoeClassifier final : public Model {
 public:
  DeepMoeClassifier(compute::Backend& backend, int features, int classes,
                    const ModelConfig& config, std::mt19937_64& rng);

  const compute::Tensor& forward(const Batch& batch, bool training,
                                 const StepContext& ctx) override;
  void backward(const compute::Tensor& dLogits) override;
  std::vector<Parameter*> parameters() override;
  MoeLayer* moe() override { return mLayers.front().get(); }
  std::vector<MoeLayer*> moeLayers() override;
  long paramsActivePerInput() const override;
  double flopsPerInput(const Dataset& data) const override;
  std::string describe() const override;
  /** The prediction and, per layer (Inspection::layers), the gate; the first layer's saliency
   *  (its gate reads the input). The top-level fields are the first layer's. */
  Inspection inspect(const Batch& one) override;

 private:
  compute::Backend& mBackend;
  int mFeatures, mClasses, mWidth;
  ModelConfig mConfig;
  std::vector<std::unique_ptr<MoeLayer>> mLayers;
  Linear mHead;
  compute::Tensor mX, mLogits;
  std::vector<compute::Tensor> mH, mD;  ///< per layer: its output h_l and d loss / d h_l
  compute::Tensor mPre;                 ///< the first layer's MoE output, before the ReLU
  std::vector<Scratch> mHS, mDS;
  Scratch mPreS, mLogitsS;
};

}  // namespace moe::core
