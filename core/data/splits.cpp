#include "core/data/splits.h"

#include "compute/huge_pages.h"

#include <algorithm>
#include <cmath>

namespace moe::core {
namespace {

int heldCount(int n, double fraction) {
  fraction = std::clamp(fraction, 0.0, 1.0);
  return std::clamp(int(std::lround(fraction * n)), 0, n);
}

// Copies everything but the per-row vectors.
Dataset metadataOf(const Dataset& d) {
  Dataset out;
  out.name = d.name;
  out.kind = d.kind;
  out.features = d.features;
  out.classes = d.classes;
  out.classNames = d.classNames;
  out.imageWidth = d.imageWidth;
  out.imageHeight = d.imageHeight;
  out.imageChannels = d.imageChannels;
  out.userCount = d.userCount;
  out.itemCount = d.itemCount;
  out.userIds = d.userIds;
  out.itemIds = d.itemIds;
  out.itemTitles = d.itemTitles;
  out.genreNames = d.genreNames;
  out.itemGenres = d.itemGenres;
  out.featureMean = d.featureMean;
  out.featureStd = d.featureStd;
  return out;
}

}  // namespace

void shuffleIndices(std::vector<int>& indices, std::mt19937_64& rng) {
  for (std::size_t i = indices.size(); i > 1; --i) {
    // Modulo bias is below n / 2^64: negligible, and portable unlike uniform_int_distribution.
    const std::size_t j = std::size_t(rng() % i);
    std::swap(indices[i - 1], indices[j]);
  }
}

SplitIndices randomSplit(int rows, double heldFraction, std::uint64_t seed) {
  std::vector<int> all(std::size_t(std::max(rows, 0)));
  for (int i = 0; i < rows; ++i) all[std::size_t(i)] = i;
  std::mt19937_64 rng(seed);
  shuffleIndices(all, rng);
  const int held = heldCount(rows, heldFraction);
  SplitIndices s;
  s.held.assign(all.begin(), all.begin() + held);
  s.keep.assign(all.begin() + held, all.end());
  return s;
}

SplitIndices stratifiedSplit(const std::vector<std::int32_t>& labels, double heldFraction,
                             std::uint64_t seed) {
  int classes = 0;
  for (const auto l : labels) classes = std::max(classes, l + 1);
  std::vector<std::vector<int>> byClass(static_cast<std::size_t>(classes));
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] >= 0) byClass[std::size_t(labels[i])].push_back(int(i));
  std::mt19937_64 rng(seed);
  SplitIndices s;
  for (auto& rows : byClass) {
    shuffleIndices(rows, rng);
    const int held = heldCount(int(rows.size()), heldFraction);
    s.held.insert(s.held.end(), rows.begin(), rows.begin() + held);
    s.keep.insert(s.keep.end(), rows.begin() + held, rows.end());
  }
  // Mix the classes again so that neither part comes out grouped by label.
  shuffleIndices(s.held, rng);
  shuffleIndices(s.keep, rng);
  return s;
}

Dataset takeRows(const Dataset& d, const std::vector<int>& rows) {
  Dataset out = metadataOf(d);
  const bool hasLabels = !d.labels.empty();
  if (hasLabels) out.labels.reserve(rows.size());
  switch (d.kind) {
    case DataKind::Dense: {
      const auto f = std::size_t(d.features);
      compute::resizeHuge(out.x, rows.size() * f);
      for (std::size_t r = 0; r < rows.size(); ++r)
        std::copy_n(d.x.begin() + std::ptrdiff_t(std::size_t(rows[r]) * f), f,
                    out.x.begin() + std::ptrdiff_t(r * f));
      break;
    }
    case DataKind::Tokens: {
      out.tokenOffsets.reserve(rows.size() + 1);
      out.tokenOffsets.push_back(0);
      const bool hasTexts = !d.texts.empty();
      for (const int r : rows) {
        const auto b = d.tokens.begin() + d.tokenOffsets[std::size_t(r)];
        const auto e = d.tokens.begin() + d.tokenOffsets[std::size_t(r) + 1];
        out.tokens.insert(out.tokens.end(), b, e);
        out.tokenOffsets.push_back(std::int32_t(out.tokens.size()));
        if (hasTexts) out.texts.push_back(d.texts[std::size_t(r)]);
      }
      break;
    }
    case DataKind::Ratings: {
      out.users.reserve(rows.size());
      out.items.reserve(rows.size());
      out.targets.reserve(rows.size());
      for (const int r : rows) {
        out.users.push_back(d.users[std::size_t(r)]);
        out.items.push_back(d.items[std::size_t(r)]);
        out.targets.push_back(d.targets[std::size_t(r)]);
      }
      countRatings(out);
      break;
    }
  }
  if (hasLabels)
    for (const int r : rows) out.labels.push_back(d.labels[std::size_t(r)]);
  return out;
}

std::pair<Dataset, Dataset> splitDataset(const Dataset& d, double heldFraction, std::uint64_t seed,
                                         bool stratified) {
  const SplitIndices s = stratified && !d.labels.empty()
                             ? stratifiedSplit(d.labels, heldFraction, seed)
                             : randomSplit(d.rows(), heldFraction, seed);
  return {takeRows(d, s.keep), takeRows(d, s.held)};
}

Dataset subset(const Dataset& d, int n, std::uint64_t seed) {
  const int rows = d.rows();
  SplitIndices s = randomSplit(rows, rows > 0 ? double(std::min(n, rows)) / rows : 0.0, seed);
  return takeRows(d, s.held);
}

void countRatings(Dataset& d) {
  d.userRatings.assign(std::size_t(std::max(d.userCount, 0)), 0);
  d.itemRatings.assign(std::size_t(std::max(d.itemCount, 0)), 0);
  for (std::size_t i = 0; i < d.users.size(); ++i) {
    if (std::size_t(d.users[i]) < d.userRatings.size()) ++d.userRatings[std::size_t(d.users[i])];
    if (std::size_t(d.items[i]) < d.itemRatings.size()) ++d.itemRatings[std::size_t(d.items[i])];
  }
}

Standardization fitStandardization(const Dataset& train) {
  const auto f = std::size_t(train.features);
  const auto rows = std::size_t(train.rows());
  std::vector<double> sum(f, 0.0), sumSq(f, 0.0);
  for (std::size_t r = 0; r < rows; ++r) {
    const float* x = train.x.data() + r * f;
    for (std::size_t j = 0; j < f; ++j) {
      sum[j] += x[j];
      sumSq[j] += double(x[j]) * x[j];
    }
  }
  Standardization s;
  s.mean.resize(f);
  s.std.resize(f);
  for (std::size_t j = 0; j < f; ++j) {
    const double mean = rows ? sum[j] / double(rows) : 0.0;
    const double var = rows ? std::max(sumSq[j] / double(rows) - mean * mean, 0.0) : 0.0;
    const double sd = std::sqrt(var);
    s.mean[j] = float(mean);
    s.std[j] = sd > 1e-6 ? float(sd) : 1.0f;  // constant features (image borders) stay finite
  }
  return s;
}

void applyStandardization(const Standardization& s, Dataset& d) {
  const auto f = std::size_t(d.features);
  if (s.mean.size() != f) throw DataError(d.name + ": standardisation fitted on another layout");
  std::vector<float> inv(f);
  for (std::size_t j = 0; j < f; ++j) inv[j] = 1.0f / s.std[j];
  for (std::size_t r = 0, rows = f ? d.x.size() / f : 0; r < rows; ++r) {
    float* x = d.x.data() + r * f;
    for (std::size_t j = 0; j < f; ++j) x[j] = (x[j] - s.mean[j]) * inv[j];
  }
  d.featureMean = s.mean;
  d.featureStd = s.std;
}

void standardize(DataSplits& splits) {
  const Standardization s = fitStandardization(splits.train);
  applyStandardization(s, splits.train);
  if (splits.validation.rows() > 0) applyStandardization(s, splits.validation);
  if (splits.test.rows() > 0) applyStandardization(s, splits.test);
}

}  // namespace moe::core
