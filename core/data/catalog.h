#pragma once
/** @file One entry point to every dataset the application knows, by a short spec string. */
#include <cstdint>
#include <string>
#include <vector>

#include "core/data/dataset.h"
#include "core/data/splits.h"
#include "core/data/text_csv.h"
#include "core/data/tokenizer.h"

namespace moe::core {

/** Options shared by all datasets; each loader uses those that apply to it. */
struct DataOptions {
  std::string dataDir;                 ///< overrides the spec's default folder (or file)
  double validationFraction = 0.0833;  ///< of train, held out (5000 of Fashion-MNIST's 60000)
  double testFraction = 0.2;           ///< for datasets without a test split (text, ratings)
  std::uint64_t seed = 42;             ///< every shuffle and split derives from it
  int maxTrain = 0;                    ///< keep a random subset of this many train rows (0: all)
  Normalization normalization = Normalization::Scale01;  ///< Dense data only
  TokenizerOptions tokenizer;                            ///< text: n-grams or words, hash buckets
  TextCsvOptions csv;                                    ///< text-csv: delimiter, header, columns
  int toySize = 1000;      ///< toy:NAME: training points (core/data/toy_data.h)
  double toyNoise = 0.1;   ///< toy:NAME: noise standard deviation in plane units
  int toyClasses = 3;      ///< toy:blobs: number of classes
};

/**
 * Loads a dataset by spec and returns its train, validation and test splits. The specs are the
 * rows of the dataset table (core/data/dataset_table.h): "fashion-mnist", "idx:DIR",
 * "cifar10:DIR", "fortunes-langid", "text-csv:FILE", "movielens[:DIR]", "toy:NAME",
 * "toy:csv:FILE". Image datasets keep their test split and carve validation out of train, stratified; text
 * and ratings are split testFraction/rest first. Everything is seeded by opt.seed.
 * @throws DataError for an unknown spec (listing the valid ones) or when loading fails.
 */
DataSplits loadDataset(const std::string& spec, const DataOptions& opt = {});

/** The spec forms loadDataset accepts, for help texts and error messages. */
const std::vector<std::string>& datasetSpecs();

}  // namespace moe::core
