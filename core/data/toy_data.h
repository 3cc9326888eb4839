#pragma once
/** @file Small 2-D and 1-D datasets for the playground (issue 12): two spirals, XOR, circles,
 *  Gaussian blobs, checkerboard, two moons, a piecewise 1-D function and a sum of 2-D bumps,
 *  each generated from a seed with a size and a noise level; and the user's (x, y, label) CSV.
 *  Inputs lie in about [-1, 1] per axis, so the playground's plane is the same for all. */
#include <cstdint>
#include <string>
#include <vector>

#include "core/data/dataset.h"

namespace moe::core {

struct DataOptions;

/** What a generated toy dataset is made from. */
struct ToyOptions {
  int size = 1000;          ///< training points (the test split has half as many)
  double noise = 0.1;       ///< Gaussian noise: std of the inputs' jitter (targets' for regression)
  int classes = 3;          ///< blobs only: the number of classes (2..kMaxToyClasses)
  std::uint64_t seed = 0;   ///< every point derives from it
};

inline constexpr int kMinToySize = 8;          ///< fewer points teach nothing
inline constexpr int kMaxToySize = 1'000'000;  ///< a playground, not a benchmark
inline constexpr int kMaxToyClasses = 10;      ///< the app's expert/class palette stays distinct
inline constexpr double kMaxToyNoise = 1.0;    ///< the plane is [-1, 1]: more is only noise

/** Regression sets' category x expert table: bins of the first input over [-1, 1]. */
inline constexpr int kToyBins = 8;
/** The bin of x (clamped into the first and last bins). */
int toyBin(float x);

/** The generated toy datasets by name ("spirals", ..., "regression-2d"), in help order. */
const std::vector<std::string>& toyNames();

/** Whether toy `name` is a regression set (targets, no classes). */
bool toyIsRegression(const std::string& name);

/** Checks size, noise and classes; @throws DataError naming the setting and its range. */
void validateToyOptions(const std::string& name, const ToyOptions& options);

/**
 * `rows` points of toy `name` from `seed`: Dense, 2 features (1 for regression-1d). A
 * classification set has exactly rows / classes points of each class (the first rows % classes
 * classes get one more), in shuffled order; a regression set has targets and no classes.
 * Deterministic for (name, rows, noise, classes, seed) on every platform.
 * @throws DataError for an unknown name or bad options.
 */
Dataset generateToy(const std::string& name, int rows, const ToyOptions& options,
                    std::uint64_t seed);

/** Train (options.size points, validation carved out of it), validation and test (half the
 *  size, from its own stream) splits of toy `name`. */
DataSplits makeToySplits(const std::string& name, const ToyOptions& options,
                         double validationFraction, int maxTrain);

/**
 * Parses a CSV of 2-D labelled points: one "x,y,label" line per point (commas, semicolons or
 * tabs; an optional header line; '#' comments and blank lines skipped), labels non-negative
 * integers below kMaxToyClasses. `source` names the file in messages.
 * @throws DataError naming the line ("FILE:LINE: ...") of the first bad record, or when fewer
 * than two classes or kMinToySize points are present.
 */
Dataset parsePointsCsv(const std::string& text, const std::string& source);

/** Writes points (2 features, labels) as the CSV parsePointsCsv reads, with a header line. */
std::string pointsCsv(const Dataset& points);

}  // namespace moe::core
