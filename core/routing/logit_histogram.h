#pragma once
/** @file A bounded summary of a router's raw logits over an evaluated split, for the
 *  histogram-over-time view (TensorBoard's histogram dashboard) beside the gate
 *  probabilities'. */
#include <cstdint>
#include <span>
#include <vector>

namespace moe::core {

/**
 * The router's logits (before softmax or sigmoid, before any noise or bias) of every routed
 * row and expert of one evaluation: kBins equal bands between the smallest and the largest
 * finite logit, with the count in each, the mean and the standard deviation. Its size does not
 * grow with the split (kBins counts and a few numbers), so every kept evaluation carries one.
 * Softmax forgets a shift common to all experts; the logits do not: a router whose logits
 * drift apart or grow without bound (what a z-loss holds back) shows it here first.
 */
struct LogitHistogram {
  static constexpr int kBins = 32;

  float lo = 0.0f;  ///< the smallest finite logit: the first band's lower edge
  float hi = 0.0f;  ///< the largest: the last band's upper edge (lo == hi: one value)
  std::vector<std::int64_t> counts;  ///< kBins counts; empty when no logit was seen
  std::int64_t total = 0;            ///< finite logits counted (the sum of counts)
  std::int64_t nonFinite = 0;        ///< NaN or infinite logits, in no band
  double mean = 0.0;
  double stddev = 0.0;

  bool empty() const { return total == 0; }
  /** The band of a logit inside [lo, hi]: equal widths, hi in the last band. */
  int binOf(float value) const;
  /** The lower edge of band b (b == kBins: hi). */
  double edge(int b) const;
};

/** Collects the logits of one evaluation, batch after batch, and summarises them at the end
 *  (the bands need the whole split's range; the logits are kept until then, as the
 *  evaluation keeps its gate probabilities). */
class LogitCollector {
 public:
  /** Appends one batch's logits (rows x experts, row-major; any order serves). */
  void add(std::span<const float> logits) { mValues.insert(mValues.end(), logits.begin(), logits.end()); }
  /** The summary of everything added; the collected values are released. */
  LogitHistogram finish();

 private:
  std::vector<float> mValues;
};

/** The histogram of these logits (LogitCollector in one call). */
LogitHistogram logitHistogram(std::span<const float> logits);

}  // namespace moe::core
