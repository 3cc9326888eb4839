#include "core/baselines/naive_bayes.h"

#include <cmath>
#include <stdexcept>

namespace moe::core {

void NaiveBayes::fit(const Dataset& train, double alpha) {
  if (train.kind != DataKind::Tokens || train.classes < 1)
    throw std::invalid_argument("NaiveBayes needs a labelled Tokens dataset");
  mClasses = train.classes;
  mBuckets = train.features;
  std::vector<double> counts(std::size_t(mBuckets) * mClasses, 0.0), total(std::size_t(mClasses), 0.0),
      docs(std::size_t(mClasses), 0.0);
  for (int r = 0; r < train.rows(); ++r) {
    const int c = train.labels[std::size_t(r)];
    docs[std::size_t(c)] += 1.0;
    for (int j = train.tokenOffsets[std::size_t(r)]; j < train.tokenOffsets[std::size_t(r) + 1]; ++j) {
      counts[std::size_t(train.tokens[std::size_t(j)]) * mClasses + c] += 1.0;
      total[std::size_t(c)] += 1.0;
    }
  }
  mLogPrior.resize(std::size_t(mClasses));
  mLogLik.resize(counts.size());
  for (int c = 0; c < mClasses; ++c) {
    mLogPrior[std::size_t(c)] = std::log((docs[std::size_t(c)] + 1.0) / (train.rows() + mClasses));
    const double denom = std::log(total[std::size_t(c)] + alpha * mBuckets);
    for (int t = 0; t < mBuckets; ++t)
      mLogLik[std::size_t(t) * mClasses + c] =
          float(std::log(counts[std::size_t(t) * mClasses + c] + alpha) - denom);
  }
}

int NaiveBayes::predict(const Dataset& d, int row) const {
  std::vector<double> score(mLogPrior);
  for (int j = d.tokenOffsets[std::size_t(row)]; j < d.tokenOffsets[std::size_t(row) + 1]; ++j) {
    const int t = d.tokens[std::size_t(j)];
    if (t < 0 || t >= mBuckets) continue;
    for (int c = 0; c < mClasses; ++c) score[std::size_t(c)] += mLogLik[std::size_t(t) * mClasses + c];
  }
  int best = 0;
  for (int c = 1; c < mClasses; ++c)
    if (score[std::size_t(c)] > score[std::size_t(best)]) best = c;
  return best;
}

double NaiveBayes::accuracy(const Dataset& d) const {
  int correct = 0;
  for (int r = 0; r < d.rows(); ++r) correct += predict(d, r) == d.labels[std::size_t(r)];
  return d.rows() > 0 ? double(correct) / d.rows() : 0.0;
}

}  // namespace moe::core
