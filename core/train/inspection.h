#pragma once
/** @file What the inspector shows for one input: the gate's decision and why. */
#include <cstdint>
#include <string>
#include <vector>

namespace moe::core {

/** How one token of a text was routed (Inspection::tokens), for colouring it in the UI. */
struct TokenRouting {
  std::int32_t begin = 0;             ///< first byte of the token in Inspection::text
  std::int32_t end = 0;               ///< one past its last byte
  std::int32_t id = 0;                ///< hashed n-gram id
  std::vector<std::int32_t> experts;  ///< experts that processed the token, first choice first
  std::vector<float> gates;           ///< their combine weights
  std::vector<float> probs;           ///< router probability per expert
};

/** One input through the model, expert by expert. */
struct Inspection {
  int index = -1;        ///< row in the test split
  long step = -1;        ///< training steps the inspected weights had taken
  int label = -1;
  int experts = 0;
  int classes = 0;
  std::vector<float> gateProbs;        ///< router probability per expert (softmax of logits)
  std::vector<float> gateLogits;       ///< raw router logits per expert
  std::vector<std::int32_t> chosen;    ///< experts that processed the input, first choice first
  std::vector<float> chosenGates;      ///< combine weight of each chosen expert
  bool dropped = false;                ///< wanted an expert but lost it to capacity
  std::vector<std::vector<float>> expertPredictions;  ///< per chosen expert: class probabilities
  std::vector<float> prediction;       ///< combined class probabilities
  int predicted = -1;
  /** d gate_prob[chosen[0]] / d input, same size as the input (image saliency). */
  std::vector<float> saliency;
  std::string note;                    ///< e.g. why some field is empty

  // Text models route tokens: gateProbs is then the mean over tokens, chosen the experts by
  // the number of tokens they took (most first), chosenGates their share of the tokens.
  std::string text;                    ///< the input text (text datasets)
  std::vector<TokenRouting> tokens;    ///< per token, in order (empty for non-text inputs)
  /** Patch-token image models (patch-moe): the side of a patch in pixels; `tokens` then holds
   *  one entry per patch, row-major over the image (id = patch index). 0 otherwise. */
  int patchSize = 0;

  // Rating models (regression): prediction/predicted are unused.
  bool regression = false;
  float predictedRating = 0.0f;        ///< clipped to [0.5, 5]
  float targetRating = 0.0f;           ///< the true rating of a test row (0 for a new pair)

  /** Models with several MoE layers (deep-moe): one entry per layer, in order, with that
   *  layer's gate (experts, gateProbs, gateLogits, chosen, chosenGates, dropped), the model's
   *  prediction and, where the layer can trace it to the input, its saliency. The fields above
   *  are the first layer's. Empty for models with one MoE layer. */
  std::vector<Inspection> layers;
};

/** One recommended item for a user, and how the MoE routed the (user, item) pair. */
struct Recommendation {
  int item = -1;                       ///< dense item index
  std::int64_t itemId = 0;             ///< original MovieLens id
  std::string title;
  float predicted = 0.0f;              ///< predicted rating, clipped to [0.5, 5]
  std::vector<float> expertGates;      ///< combine weight per expert (0 for unchosen ones)
  int expert = -1;                     ///< first-choice expert (-1: none, e.g. dropped)
};

/** Session::recommend: one user's expert profile and top-N unseen items. */
struct UserRecommendations {
  int user = -1;                       ///< dense user index
  std::int64_t userId = 0;             ///< original id
  bool known = false;                  ///< has ratings in the training split
  int trainRatings = 0;
  /** Per expert: how many of the user's training ratings it processed (all chosen experts). */
  std::vector<std::int64_t> expertCounts;
  std::vector<float> expertShare;      ///< expertCounts normalised to sum 1
  std::vector<Recommendation> items;   ///< best first
  std::string note;                    ///< e.g. "unknown user: ranked by item biases"
};

}  // namespace moe::core
