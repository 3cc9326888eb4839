#pragma once
/** @file Seeded, reproducible splits, subsets and feature normalisation. */
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "core/data/dataset.h"

namespace moe::core {

/** The rows of a two-way split: those kept and those held out (e.g. for validation). */
struct SplitIndices {
  std::vector<int> keep;
  std::vector<int> held;
};

/**
 * Fisher-Yates shuffle driven by rng. Unlike std::shuffle, whose algorithm differs between
 * standard libraries, this gives the same order for a seed everywhere.
 */
void shuffleIndices(std::vector<int>& indices, std::mt19937_64& rng);

/**
 * Holds out round(heldFraction * rows) rows chosen uniformly at random. Both lists come out
 * in shuffled order; the same seed gives the same split.
 */
SplitIndices randomSplit(int rows, double heldFraction, std::uint64_t seed);

/**
 * As randomSplit, but holds out round(heldFraction * n_c) rows of every class c, so both parts
 * keep the class proportions. Labels must be non-negative.
 */
SplitIndices stratifiedSplit(const std::vector<std::int32_t>& labels, double heldFraction,
                             std::uint64_t seed);

/** A dataset holding the given rows of d (any kind), in that order, with d's metadata. */
Dataset takeRows(const Dataset& d, const std::vector<int>& rows);

/**
 * Splits d into (kept, held) with heldFraction of the rows held out; stratified by label when
 * asked and d has labels.
 */
std::pair<Dataset, Dataset> splitDataset(const Dataset& d, double heldFraction, std::uint64_t seed,
                                         bool stratified = false);

/** n rows of d drawn without replacement (all of d, shuffled, when n >= rows). */
Dataset subset(const Dataset& d, int n, std::uint64_t seed);

/** Ratings: recounts userRatings and itemRatings (sized userCount and itemCount). */
void countRatings(Dataset& d);

/** How Dense features are scaled. Loaders scale to [0,1]; standardisation is applied after. */
enum class Normalization {
  Scale01,     ///< bytes / 255, as loaded
  Standardize  ///< per feature (x - mean) / std, mean and std from the train split
};

/** Per-feature mean and standard deviation of a dataset's Dense features. */
struct Standardization {
  std::vector<float> mean;
  std::vector<float> std;  ///< features with (near) zero spread get 1, so they stay finite
};

/** Computes per-feature mean and standard deviation over train's rows. */
Standardization fitStandardization(const Dataset& train);

/** Applies s to d's features in place and records it in d.featureMean / d.featureStd. */
void applyStandardization(const Standardization& s, Dataset& d);

/** Fits on splits.train and applies to all three splits (no statistics leak from the others). */
void standardize(DataSplits& splits);

}  // namespace moe::core
