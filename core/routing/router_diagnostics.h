#pragma once
/** @file Router diagnostics: the top-k boundary margin, logit scale, co-activation, routing
 *  stability and saturation across evaluations. Pure functions of host-side routing data (the
 *  gate probabilities and chosen experts), so each can be checked on a hand-computed case; the
 *  RoutingTracker keeps what the evaluation-to-evaluation measures need. They only read: a run
 *  trains the same with or without them. */
#include <cstdint>
#include <vector>

#include "core/routing/routing_history.h"
#include "core/train/metrics.h"

namespace moe::core {

/**
 * Per row of probs (rows x experts), the gap between the k-th and the (k+1)-th largest
 * probability: how far the last chosen expert is from the best rejected one. NaN for every
 * row when no expert is rejected (k >= experts) or k < 1.
 */
std::vector<float> topkMargins(const float* probs, int rows, int experts, int k);

/** Mean of the finite margins, and the share of them under `threshold` (fragile rows); both
 *  NaN when none is finite. */
struct MarginSummary {
  double mean = kNotMeasured;
  double fragile = kNotMeasured;
};
MarginSummary summarizeMargins(const std::vector<float>& margins, double threshold);

/** Mean |logit| over every entry: the router's logit scale (what the z-loss keeps small). */
double logitScale(const std::vector<float>& logits);

/** Per row, the k experts of largest probability, descending, ties to the lower index: the
 *  router's preference before any capacity limit (rows x k). */
std::vector<std::int32_t> preferredExperts(const float* probs, int rows, int experts, int k);

/**
 * Co-activation P(j | i): among the rows that used expert i (top: rows x k experts, -1 for
 * none), the share that also used expert j; experts x experts, row-major, the diagonal 1 for
 * a used expert and a row of 0 for an unused one. Empty when k < 2.
 */
std::vector<float> coactivation(const std::vector<std::int32_t>& top, int rows, int k, int experts);

/** Share of rows whose first entry is the same in a and b (rows x k each). */
double firstChoiceAgreement(const std::vector<std::int32_t>& a, const std::vector<std::int32_t>& b,
                            int rows, int k);

/** Mean over rows of |set a ∩ set b| / k, for rows x k expert sets (entries -1 ignored). */
double topkOverlap(const std::vector<std::int32_t>& a, const std::vector<std::int32_t>& b, int rows,
                   int k);

/**
 * Fills an evaluation's router diagnostics from its gateProbs and topExperts, and remembers
 * the router's preferred experts, top-1 gates and margins of the last
 * RoutingHistory::kDefaultDepth evaluations of the same split size, so stability and
 * saturation compare each evaluation with the earlier ones (OLMoE's router saturation) and
 * the report carries each row's routing history (EvalReport::routingHistory).
 */
class RoutingTracker {
 public:
  /** fragileMargin: a row whose margin is under it is fragile. */
  explicit RoutingTracker(double fragileMargin) : mFragileMargin(fragileMargin) {}
  /** Measures `report` (experts, k, gateProbs, topExperts set) and keeps its preferences. */
  void observe(EvalReport& report);
  void clear() { mHistory.clear(); }
  /** The evaluations kept (the last RoutingHistory::kDefaultDepth), oldest first. */
  const RoutingHistory& history() const { return mHistory; }

 private:
  double mFragileMargin;
  RoutingHistory mHistory;
};

}  // namespace moe::core
