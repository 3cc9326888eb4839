#pragma once
/** @file The image/feature classifiers: the reference MoE, stem + MoE + head, dense baseline. */
#include "core/model/model.h"

namespace moe::core {

/** input -> MoE (experts in -> hidden -> classes) -> logits. The reference task's model. */
class MoeClassifier final : public Model {
 public:
  MoeClassifier(compute::Backend& backend, int features, int classes, const ModelConfig& config,
                std::mt19937_64& rng);
  const compute::Tensor& forward(const Batch& batch, bool training,
                                 const StepContext& ctx) override;
  void backward(const compute::Tensor& dLogits) override;
  std::vector<Parameter*> parameters() override { return mMoe.parameters(); }
  MoeLayer* moe() override { return &mMoe; }
  long paramsActivePerInput() const override { return mMoe.activeParamsPerRow(); }
  double flopsPerInput(const Dataset&) const override { return mMoe.flopsPerRow(); }
  std::string describe() const override;
  Inspection inspect(const Batch& one) override;

 private:
  compute::Backend& mBackend;
  int mFeatures, mClasses;
  ModelConfig mConfig;
  MoeLayer mMoe;
};

/** input -> Linear + ReLU stem -> h + MoE(h) (residual) -> Linear head -> logits. */
class StemMoeClassifier final : public Model {
 public:
  StemMoeClassifier(compute::Backend& backend, int features, int classes,
                    const ModelConfig& config, std::mt19937_64& rng);
  const compute::Tensor& forward(const Batch& batch, bool training,
                                 const StepContext& ctx) override;
  void backward(const compute::Tensor& dLogits) override;
  std::vector<Parameter*> parameters() override;
  MoeLayer* moe() override { return &mMoe; }
  long paramsActivePerInput() const override;
  double flopsPerInput(const Dataset& data) const override;
  std::string describe() const override;
  Inspection inspect(const Batch& one) override;
  /** The stem and the head: the dense layers around the MoE (expert parallelism gathers
   *  their rows for the one-process weight gradients). */
  std::vector<Linear*> denseLayers() { return {&mStem, &mHead}; }

 private:
  compute::Backend& mBackend;
  int mFeatures, mClasses, mWidth;
  ModelConfig mConfig;
  Linear mStem;
  MoeLayer mMoe;
  Linear mHead;
  compute::Tensor mX, mPre, mH, mR, mLogits, mDr, mDh;
  Scratch mPreS, mHS, mRS, mLogitsS, mDrS, mDhS;
};

/** Baseline MLP: input -> hidden (expertHidden * topK, the MoE's active width) -> classes. */
class DenseMlp final : public Model {
 public:
  DenseMlp(compute::Backend& backend, int features, int classes, const ModelConfig& config,
           std::mt19937_64& rng);
  const compute::Tensor& forward(const Batch& batch, bool training,
                                 const StepContext& ctx) override;
  void backward(const compute::Tensor& dLogits) override;
  std::vector<Parameter*> parameters() override;
  MoeLayer* moe() override { return nullptr; }
  long paramsActivePerInput() const override;
  double flopsPerInput(const Dataset& data) const override;
  std::string describe() const override;
  Inspection inspect(const Batch& one) override;

 private:
  compute::Backend& mBackend;
  int mFeatures, mClasses, mHidden;
  compute::Activation mAct;
  Linear mL1, mL2;
  compute::Tensor mX, mPre, mHid, mLogits, mDHid;
  Scratch mPreS, mHidS, mLogitsS, mDHidS;
};

}  // namespace moe::core
