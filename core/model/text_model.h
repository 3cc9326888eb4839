#pragma once
/** @file Text classification with a token-level MoE: hashed n-gram embeddings -> MoE per token
 *  (with a residual) -> mean pool per text -> linear head. */
#include <span>

#include "core/model/embedding.h"
#include "core/model/linear.h"
#include "core/model/model.h"

namespace moe::core {

/**
 * Tokens data (DataKind::Tokens). Every token is a row of the MoE layer, so every router and
 * auxiliary loss applies to tokens; h = x + MoE(x) keeps dropped or unrouted tokens in the
 * mean. The embedding width is ModelConfig::stemWidth; the experts map it to itself.
 */
class TextMoeClassifier final : public Model {
 public:
  TextMoeClassifier(compute::Backend& backend, int buckets, int classes,
                    const ModelConfig& config, std::mt19937_64& rng);

  const compute::Tensor& forward(const Batch& batch, bool training,
                                 const StepContext& ctx) override;
  /** Forward over explicit texts: text t owns ids[textPtr[t], textPtr[t+1]). */
  const compute::Tensor& forwardTokens(std::span<const std::int32_t> textPtr,
                                       std::span<const std::int32_t> ids, bool training,
                                       const StepContext& ctx);
  void backward(const compute::Tensor& dLogits) override;
  std::vector<Parameter*> parameters() override;
  MoeLayer* moe() override { return &mMoe; }
  long paramsActivePerInput() const override;
  double flopsPerInput(const Dataset& data) const override;
  std::string describe() const override;
  /** Inspects one text of one.source: prediction, gate summary and per-token routing (the
   *  token byte spans are left 0; Session::inspect fills them from the tokenizer). */
  Inspection inspect(const Batch& one) override;
  /** As inspect, for token ids of any text (Session::inspectText). */
  Inspection inspectTokens(std::span<const std::int32_t> ids);
  const std::vector<std::int32_t>* routedRowOwners() const override { return &mOwner; }

 private:
  compute::Backend& mBackend;
  int mBuckets, mClasses, mDim;
  ModelConfig mConfig;
  Embedding mEmbed;
  MoeLayer mMoe;
  SegmentMeanPool mPool;
  Linear mHead;
  bool mRouted = false;  ///< the last forward had tokens (and so a dispatch plan)
  std::vector<std::int32_t> mBatchPtr, mBatchIds, mTextPtr, mOwner, mPositions, mUnitPtr;
  std::vector<float> mOnes;
  compute::Tensor mX, mH, mP, mLogits, mDP, mDH, mDX;
  Scratch mXS, mHS, mPS, mLogitsS, mDPS, mDHS, mDXS;
};

/** Builds the text model for a Tokens training split (Model kinds other than dense-mlp). */
std::unique_ptr<TextMoeClassifier> createTextModel(const TrainConfig& config, const Dataset& train,
                                       compute::Backend& backend);

}  // namespace moe::core
