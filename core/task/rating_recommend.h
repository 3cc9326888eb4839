#pragma once
/** @file Recommendations from a trained rating model: a user's experts and top unseen items. */
#include "core/model/rating_model.h"

namespace moe::core {

/**
 * Which experts the user's training ratings go to, and the n items with the highest predicted
 * rating among those the model knows and the user has not rated in `train`, each with its
 * per-expert gates. Unknown users get the fallback ranking (mean + item bias + genres).
 */
UserRecommendations recommendItems(RatingMoeRegressor& model, compute::Backend& backend,
                                   const Dataset& train, const TrainConfig& config, int user,
                                   int n);

}  // namespace moe::core
