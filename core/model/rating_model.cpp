#include "core/model/rating_model.h"

#include <bit>
#include <cmath>

namespace moe::core {

namespace {
constexpr float kEmbeddingBound = 0.17f;  // uniform, standard deviation ~0.1 (Funk-SVD's init)
}

RatingMoeRegressor::RatingMoeRegressor(compute::Backend& backend, const Dataset& train,
                                       const ModelConfig& config, std::mt19937_64& rng)
    : mBackend(backend),
      mUsers(std::max(1, train.userCount)),
      mItems(std::max(1, train.itemCount)),
      mGenres(int(train.genreNames.size())),
      mDim(config.stemWidth),
      mConfig(config),
      mUserEmb(backend, "user.embedding", mUsers, mDim, kEmbeddingBound, rng),
      mItemEmb(backend, "item.embedding", mItems + mGenres, mDim, kEmbeddingBound, rng),
      mUserBias(backend, "user.bias", mUsers, 1, 0.0f, rng),
      mItemBias(backend, "item.bias", mItems, 1, 0.0f, rng),
      mMoe(backend, mDim, 1, config, rng) {
  // A fixed prior per row (see Embedding::setL2), from the training counts.
  std::vector<float> userCounts(std::size_t(mUsers), 0.0f), itemCounts(std::size_t(mItems + mGenres), 0.0f);
  for (std::size_t u = 0; u < train.userRatings.size() && u < userCounts.size(); ++u)
    userCounts[u] = float(train.userRatings[u]);
  for (std::size_t i = 0; i < train.itemRatings.size() && i < std::size_t(mItems); ++i) {
    itemCounts[i] = float(train.itemRatings[i]);
    const std::uint32_t g = i < train.itemGenres.size() ? train.itemGenres[i] : 0u;
    for (int k = 0; k < mGenres; ++k)
      if (g & (1u << k)) itemCounts[std::size_t(mItems + k)] += float(train.itemRatings[i]);
  }
  const float lambda = float(config.embeddingL2);
  mUserEmb.setL2(lambda, userCounts);
  mItemEmb.setL2(lambda, itemCounts);
  mUserBias.setL2(lambda, userCounts);
  mItemBias.setL2(lambda, std::vector<float>(itemCounts.begin(), itemCounts.begin() + mItems));
  double sum = 0.0;
  for (const float t : train.targets) sum += t;
  mMean = train.targets.empty() ? 3.5f : float(sum / double(train.targets.size()));
  mKnownUser.assign(std::size_t(mUsers), 0);
  mKnownItem.assign(std::size_t(mItems), 0);
  for (std::size_t u = 0; u < train.userRatings.size() && u < mKnownUser.size(); ++u)
    mKnownUser[u] = train.userRatings[u] > 0;
  for (std::size_t i = 0; i < train.itemRatings.size() && i < mKnownItem.size(); ++i)
    mKnownItem[i] = train.itemRatings[i] > 0;
  mItemGenres = train.itemGenres;
  mMeanT = backend.alloc(1, 1);
  const float mean[1] = {mMean};
  backend.write(mMeanT, std::span<const float>(mean));
}

bool RatingMoeRegressor::knowsUser(int user) const {
  return user >= 0 && user < mUsers && mKnownUser[std::size_t(user)];
}

bool RatingMoeRegressor::knowsItem(int item) const {
  return item >= 0 && item < mItems && mKnownItem[std::size_t(item)];
}

const compute::Tensor& RatingMoeRegressor::forward(const Batch& batch, bool training,
                                                   const StepContext& ctx) {
  const Dataset& d = *batch.source;
  mUsersIn.resize(batch.indices.size());
  mItemsIn.resize(batch.indices.size());
  for (std::size_t b = 0; b < batch.indices.size(); ++b) {
    mUsersIn[b] = d.users[std::size_t(batch.indices[b])];
    mItemsIn[b] = d.items[std::size_t(batch.indices[b])];
  }
  return forwardPairs(mUsersIn, mItemsIn, training, ctx);
}

const compute::Tensor& RatingMoeRegressor::forwardPairs(std::span<const std::int32_t> users,
                                                        std::span<const std::int32_t> items,
                                                        bool training, const StepContext& ctx) {
  const int rows = int(users.size());
  // Bags: user -> its row (if known); item -> its row (if known) + its genres' rows / count.
  std::vector<std::int32_t> uPtr{0}, uIds, iPtr{0}, iIds, ibPtr{0}, ibIds;
  std::vector<float> uW, iW, ibW;
  for (int b = 0; b < rows; ++b) {
    const int u = users[std::size_t(b)], i = items[std::size_t(b)];
    if (knowsUser(u)) {
      uIds.push_back(u);
      uW.push_back(1.0f);
    }
    uPtr.push_back(std::int32_t(uIds.size()));
    if (knowsItem(i)) {
      iIds.push_back(i);
      iW.push_back(1.0f);
      ibIds.push_back(i);
      ibW.push_back(1.0f);
    }
    ibPtr.push_back(std::int32_t(ibIds.size()));
    const std::uint32_t g = i >= 0 && std::size_t(i) < mItemGenres.size()
                                ? mItemGenres[std::size_t(i)]
                                : 0u;
    const int n = std::popcount(g);
    for (int k = 0; k < mGenres && n > 0; ++k)
      if (g & (1u << k)) {
        iIds.push_back(mItems + k);
        iW.push_back(1.0f / float(n));
      }
    iPtr.push_back(std::int32_t(iIds.size()));
  }
  mP = mPS.get(mBackend, rows, mDim);
  mQ = mQS.get(mBackend, rows, mDim);
  mX = mXS.get(mBackend, rows, mDim);
  mBu = mBuS.get(mBackend, rows, 1);
  mBi = mBiS.get(mBackend, rows, 1);
  mPred = mPredS.get(mBackend, rows, 1);
  mUserEmb.forward(uPtr, uIds, uW, mP);
  mItemEmb.forward(iPtr, iIds, iW, mQ);
  mUserBias.forward(uPtr, uIds, uW, mBu);
  mItemBias.forward(ibPtr, ibIds, ibW, mBi);
  mBackend.mul(mP, mQ, mX);
  // The item id is the rows' token for routers that read one (hash routing).
  const compute::Tensor& y = mMoe.forward(mX, training, ctx.loss, ctx.noiseSeed, ctx.noiseCounter,
                                          RowTokens{items.data(), nullptr});
  mBackend.copy(y, mPred);
  mBackend.axpby(1.0f, mBu, 1.0f, mPred);
  mBackend.axpby(1.0f, mBi, 1.0f, mPred);
  mBackend.addRowVector(mPred, mMeanT);
  return mPred;
}

void RatingMoeRegressor::backward(const compute::Tensor& dPred) {
  const int rows = dPred.rows();
  mDX = mDXS.get(mBackend, rows, mDim);
  mDP = mDPS.get(mBackend, rows, mDim);
  mDQ = mDQS.get(mBackend, rows, mDim);
  mMoe.backward(dPred, &mDX, 0.0f);
  mBackend.mul(mDX, mQ, mDP);
  mBackend.mul(mDX, mP, mDQ);
  mUserEmb.backward(mDP);
  mItemEmb.backward(mDQ);
  mUserBias.backward(dPred);
  mItemBias.backward(dPred);
}

std::vector<Parameter*> RatingMoeRegressor::parameters() {
  std::vector<Parameter*> p{&mUserEmb.table(), &mItemEmb.table(), &mUserBias.table(),
                            &mItemBias.table()};
  for (Parameter* q : mMoe.parameters()) p.push_back(q);
  return p;
}

long RatingMoeRegressor::paramsActivePerInput() const {
  return 2L * mDim + 2 + mMoe.activeParamsPerRow();
}

double RatingMoeRegressor::flopsPerInput(const Dataset&) const {
  // The user x item product (one multiply per width) feeds the MoE; biases are two adds.
  return double(mDim) + 2.0 + mMoe.flopsPerRow();
}

std::string RatingMoeRegressor::describe() const {
  return "Rating MoE: mean + user/item biases + MoE(user x item embeddings, width " +
         std::to_string(mDim) + ", " + std::to_string(mGenres) + " genre embeddings) with " +
         std::to_string(mConfig.routedExperts()) + " experts (" + mConfig.router +
         ", k=" + std::to_string(mConfig.routedTopK()) + ")";
}

Inspection RatingMoeRegressor::inspect(const Batch& one) {
  const Dataset& d = *one.source;
  const std::size_t r = std::size_t(one.indices.at(0));
  Inspection out = inspectPair(d.users[r], d.items[r]);
  out.targetRating = d.targets[r];
  return out;
}

Inspection RatingMoeRegressor::inspectPair(int user, int item) {
  Inspection out;
  out.regression = true;
  const std::int32_t u[1] = {user}, i[1] = {item};
  const compute::Tensor& pred = forwardPairs(u, i, false, StepContext{});
  const auto host = compute::toHost(mBackend, pred);
  out.predictedRating = clipRating(host[0]);
  const DispatchPlan& plan = mMoe.plan();
  const int E = plan.experts;
  out.experts = E;
  out.gateProbs.assign(mMoe.probs().begin(), mMoe.probs().begin() + E);
  out.gateLogits.assign(mMoe.router().logits().begin(), mMoe.router().logits().begin() + E);
  out.dropped = !plan.dropped.empty();
  // Each chosen expert's own rating: the base (prediction minus the MoE part) plus its output.
  const auto ye = compute::toHost(mBackend, mMoe.expertOutputs());
  float base = host[0];
  for (int j = plan.rowPtr[0]; j < plan.rowPtr[1]; ++j)
    base -= plan.rowGates[std::size_t(j)] * ye[std::size_t(plan.rowSlots[std::size_t(j)])];
  for (int j = plan.rowPtr[0]; j < plan.rowPtr[1]; ++j) {
    out.chosen.push_back(plan.rowExperts[std::size_t(j)]);
    out.chosenGates.push_back(plan.rowGates[std::size_t(j)]);
    out.expertPredictions.push_back(
        {clipRating(base + ye[std::size_t(plan.rowSlots[std::size_t(j)])])});
  }
  if (!knowsUser(user) || !knowsItem(item))
    out.note = std::string("not in the training split: ") +
               (!knowsUser(user) && !knowsItem(item) ? "user and item"
                : !knowsUser(user)                   ? "user"
                                                     : "item") +
               " (their embedding and bias are zero; the mean and what is known remain)";
  return out;
}

std::unique_ptr<RatingMoeRegressor> createRatingModel(const TrainConfig& config, const Dataset& train,
                                         compute::Backend& backend) {
  if (config.model.kind == ModelKind::DenseMlp)
    throw ConfigError("model 'dense-mlp' needs dense features; for ratings use 'moe'");
  if (config.model.kind == ModelKind::Hme)
    throw ConfigError("model 'hme' needs dense features; for ratings use 'moe'");
  if (config.model.kind == ModelKind::DeepMoe)
    throw ConfigError("model 'deep-moe' needs dense features (images); for ratings use 'moe'");
  if (config.model.kind == ModelKind::PatchMoe)
    throw ConfigError("model 'patch-moe' needs images; for ratings use 'moe'");
  if (train.rows() == 0) throw ConfigError("dataset '" + train.name + "' has no ratings");
  std::mt19937_64 rng(config.seed);
  return std::make_unique<RatingMoeRegressor>(backend, train, config.model, rng);
}

}  // namespace moe::core
