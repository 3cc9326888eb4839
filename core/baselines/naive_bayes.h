#pragma once
/** @file Multinomial naive Bayes over hashed token counts: the text baseline to beat. */
#include <cstdint>
#include <vector>

#include "core/data/dataset.h"

namespace moe::core {

/**
 * Multinomial naive Bayes with additive (Lidstone) smoothing over a Tokens dataset's hashed
 * ids: log P(c | text) = log P(c) + sum over tokens t of log((n_ct + alpha) / (n_c + alpha V)),
 * V = the number of buckets. With the tokenizer set to character trigrams (minN = maxN = 3)
 * this is the classic char-trigram language identifier.
 */
class NaiveBayes {
 public:
  /** Counts train's tokens per class. train must be a Tokens dataset with labels. */
  void fit(const Dataset& train, double alpha = 1.0);
  /** The most probable class of text `row` of d (ties to the lower class). */
  int predict(const Dataset& d, int row) const;
  /** Accuracy over all rows of d. */
  double accuracy(const Dataset& d) const;

 private:
  int mClasses = 0, mBuckets = 0;
  std::vector<double> mLogPrior;
  std::vector<float> mLogLik;  // buckets x classes
};

}  // namespace moe::core
