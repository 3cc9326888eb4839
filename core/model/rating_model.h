#pragma once
/** @file Rating prediction with an MoE over user-item interactions (regression). */
#include <span>

#include "core/model/embedding.h"
#include "core/model/model.h"

namespace moe::core {

/**
 * Ratings data (DataKind::Ratings):
 *   rating = mean + b_user + b_item + MoE(p_user * q_item)   (element-wise product)
 * p_user is the user's embedding; q_item the item's embedding plus the mean of its genres'
 * embeddings (so an item unseen in training still has a genre-based representation). The
 * embedding width is ModelConfig::stemWidth; the MoE maps it to one output, so linear experts
 * (expertHidden 0) are weighted dot products (biased matrix factorisation with a learned
 * metric per expert) and MLP experts learn non-linear interactions.
 *
 * Users and items without ratings in the training split, or outside its id range, fall back:
 * their embedding and bias are zero, so the prediction is the mean plus what is known (the
 * other side's bias, the item's genres). Predictions are clipped to [0.5, 5] by callers at
 * evaluation (training uses the raw output).
 */
class RatingMoeRegressor final : public Model {
 public:
  RatingMoeRegressor(compute::Backend& backend, const Dataset& train, const ModelConfig& config,
                     std::mt19937_64& rng);

  /** Predictions (rows x 1, unclipped) for the rows of batch.source named by batch.indices. */
  const compute::Tensor& forward(const Batch& batch, bool training,
                                 const StepContext& ctx) override;
  /** Predictions for explicit (user, item) pairs; any ids are accepted (unknown: fallback). */
  const compute::Tensor& forwardPairs(std::span<const std::int32_t> users,
                                      std::span<const std::int32_t> items, bool training,
                                      const StepContext& ctx);
  /** dPred: rows x 1 gradient of the loss w.r.t. the predictions. */
  void backward(const compute::Tensor& dPred) override;
  std::vector<Parameter*> parameters() override;
  MoeLayer* moe() override { return &mMoe; }
  long paramsActivePerInput() const override;
  double flopsPerInput(const Dataset& data) const override;
  std::string describe() const override;
  /** One rating of one.source: predicted rating, gate, and each chosen expert's own rating. */
  Inspection inspect(const Batch& one) override;
  /** As inspect for any (user, item) pair. */
  Inspection inspectPair(int user, int item);

  bool knowsUser(int user) const;
  bool knowsItem(int item) const;
  float globalMean() const { return mMean; }
  int users() const { return mUsers; }
  int items() const { return mItems; }
  /** Clips a prediction to the rating scale [0.5, 5]. */
  static float clipRating(float r) { return r < 0.5f ? 0.5f : r > 5.0f ? 5.0f : r; }

 private:
  compute::Backend& mBackend;
  int mUsers, mItems, mGenres, mDim;
  ModelConfig mConfig;
  float mMean = 0.0f;
  std::vector<std::uint8_t> mKnownUser, mKnownItem;
  std::vector<std::uint32_t> mItemGenres;
  Embedding mUserEmb, mItemEmb, mUserBias, mItemBias;  // mItemEmb: items, then genres
  MoeLayer mMoe;
  compute::Tensor mMeanT;
  compute::Tensor mP, mQ, mX, mBu, mBi, mPred, mDX, mDP, mDQ;
  Scratch mPS, mQS, mXS, mBuS, mBiS, mPredS, mDXS, mDPS, mDQS;
  std::vector<std::int32_t> mUsersIn, mItemsIn;
};

/** Builds the rating model for a Ratings training split. */
std::unique_ptr<RatingMoeRegressor> createRatingModel(const TrainConfig& config, const Dataset& train,
                                         compute::Backend& backend);

}  // namespace moe::core
