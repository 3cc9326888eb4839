// Recommendations: score every known, unseen item for a user with the rating model.
#include "core/task/rating_recommend.h"

#include <algorithm>
#include <numeric>

namespace moe::core {

namespace {
constexpr int kScoreBatch = 4096;  // (user, item) pairs per forward when ranking items
}  // namespace

UserRecommendations recommendItems(RatingMoeRegressor& model, compute::Backend& backend,
                                   const Dataset& train, const TrainConfig& config, int user,
                                   int n) {
  const int E = config.model.routedExperts();
  UserRecommendations out;
  out.user = user;
  out.known = model.knowsUser(user);
  if (user >= 0 && std::size_t(user) < train.userIds.size())
    out.userId = train.userIds[std::size_t(user)];
  out.expertCounts.assign(std::size_t(E), 0);
  out.expertShare.assign(std::size_t(E), 0.0f);
  if (!out.known)
    out.note = user >= 0 && user < train.userCount
                   ? "the user has no training ratings: ranked by mean, item bias and genres"
                   : "no such user: ranked by mean, item bias and genres";

  // The user's training ratings and the experts they go to.
  std::vector<std::int32_t> rated;
  for (int r = 0; r < train.rows(); ++r)
    if (train.users[std::size_t(r)] == user) rated.push_back(train.items[std::size_t(r)]);
  out.trainRatings = int(rated.size());
  const StepContext ctx{config.loss, 0, 0};
  MoeLayer* moe = model.moe();
  for (std::size_t start = 0; start < rated.size(); start += kScoreBatch) {
    const std::size_t m = std::min<std::size_t>(kScoreBatch, rated.size() - start);
    const std::vector<std::int32_t> us(m, user);
    model.forwardPairs(us, std::span<const std::int32_t>(rated.data() + start, m), false, ctx);
    for (const std::int32_t e : moe->plan().rowExperts) ++out.expertCounts[std::size_t(e)];
  }
  const std::int64_t total =
      std::accumulate(out.expertCounts.begin(), out.expertCounts.end(), std::int64_t(0));
  for (int e = 0; e < E && total > 0; ++e)
    out.expertShare[std::size_t(e)] =
        float(double(out.expertCounts[std::size_t(e)]) / double(total));

  // Score every item the model knows that the user has not rated in training.
  std::vector<std::uint8_t> seen(std::size_t(std::max(0, model.items())), 0);
  for (const std::int32_t i : rated)
    if (i >= 0 && i < model.items()) seen[std::size_t(i)] = 1;
  std::vector<std::int32_t> candidates;
  for (int i = 0; i < model.items(); ++i)
    if (model.knowsItem(i) && !seen[std::size_t(i)]) candidates.push_back(i);
  std::vector<Recommendation> all;
  std::vector<float> raw;
  all.reserve(candidates.size());
  for (std::size_t start = 0; start < candidates.size(); start += kScoreBatch) {
    const std::size_t m = std::min<std::size_t>(kScoreBatch, candidates.size() - start);
    const std::vector<std::int32_t> us(m, user);
    const auto pred = compute::toHost(
        backend, model.forwardPairs(us, std::span<const std::int32_t>(candidates.data() + start, m),
                                    false, ctx));
    const DispatchPlan& plan = moe->plan();
    for (std::size_t k = 0; k < m; ++k) {
      Recommendation rec;
      rec.item = candidates[start + k];
      if (std::size_t(rec.item) < train.itemIds.size())
        rec.itemId = train.itemIds[std::size_t(rec.item)];
      rec.predicted = RatingMoeRegressor::clipRating(pred[k]);
      rec.expertGates.assign(std::size_t(E), 0.0f);
      for (int j = plan.rowPtr[k]; j < plan.rowPtr[k + 1]; ++j) {
        rec.expertGates[std::size_t(plan.rowExperts[std::size_t(j)])] +=
            plan.rowGates[std::size_t(j)];
        if (j == plan.rowPtr[k]) rec.expert = plan.rowExperts[std::size_t(j)];
      }
      all.push_back(std::move(rec));
      raw.push_back(pred[k]);
    }
  }
  // Rank by the unclipped prediction (many clip to 5), ties to the lower item index.
  std::vector<std::size_t> order(all.size());
  std::iota(order.begin(), order.end(), std::size_t(0));
  const std::size_t top = std::min<std::size_t>(std::size_t(std::max(0, n)), order.size());
  std::partial_sort(order.begin(), order.begin() + std::ptrdiff_t(top), order.end(),
                    [&](std::size_t a, std::size_t b) {
                      return raw[a] != raw[b] ? raw[a] > raw[b] : all[a].item < all[b].item;
                    });
  for (std::size_t k = 0; k < top; ++k) {
    Recommendation rec = std::move(all[order[k]]);
    if (std::size_t(rec.item) < train.itemTitles.size())
      rec.title = train.itemTitles[std::size_t(rec.item)];
    out.items.push_back(std::move(rec));
  }
  return out;
}

}  // namespace moe::core
