#pragma once
/** @file The dataset table's loaders of the toy sets (core/data/toy_data.h): the spec's
 *  argument is unused, size/noise/classes/seed come from DataOptions. */
#include <string>

#include "core/data/dataset.h"

namespace moe::core {

struct DataOptions;

DataSplits loadToySpirals(const std::string& arg, const DataOptions& opt);       ///< toy:spirals
DataSplits loadToyXor(const std::string& arg, const DataOptions& opt);           ///< toy:xor
DataSplits loadToyCircles(const std::string& arg, const DataOptions& opt);       ///< toy:circles
DataSplits loadToyBlobs(const std::string& arg, const DataOptions& opt);         ///< toy:blobs
DataSplits loadToyCheckerboard(const std::string& arg, const DataOptions& opt);  ///< toy:checkerboard
DataSplits loadToyMoons(const std::string& arg, const DataOptions& opt);         ///< toy:moons
DataSplits loadToyRegression1d(const std::string& arg, const DataOptions& opt);  ///< toy:regression-1d
DataSplits loadToyRegression2d(const std::string& arg, const DataOptions& opt);  ///< toy:regression-2d
/** toy:csv:FILE: the user's x,y,label points; opt.testFraction of each class held out. */
DataSplits loadPointsCsvFile(const std::string& file, const DataOptions& opt);

}  // namespace moe::core
