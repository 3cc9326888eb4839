#pragma once
/** @file One loader per dataset spec: (the spec's argument, options) -> train, validation and
 *  test splits. The dataset table (core/data/dataset_table.h) names them. */
#include <string>

#include "core/data/catalog.h"

namespace moe::core {

/** Debian's dataset-fashion-mnist (opt.dataDir overrides the folder). */
DataSplits loadFashionMnist(const std::string& arg, const DataOptions& opt);
/** MNIST-layout IDX files in the folder `dir`. */
DataSplits loadIdxFolder(const std::string& dir, const DataOptions& opt);
/** CIFAR-10 binary batches in the folder `dir`. */
DataSplits loadCifar10Folder(const std::string& dir, const DataOptions& opt);
/** Language identification on Debian's fortunes packages (opt.dataDir overrides the root). */
DataSplits loadFortunesLangid(const std::string& arg, const DataOptions& opt);
/** The user's labelled CSV/TSV texts in `file`. */
DataSplits loadTextCsvFile(const std::string& file, const DataOptions& opt);
/** GroupLens ratings in the folder `arg`, else opt.dataDir, else scripts/export_movielens.sh's
 *  folder. */
DataSplits loadMovieLensFolder(const std::string& arg, const DataOptions& opt);

/** Whether `dir` holds CIFAR-10 binary batches (what the window's Open picks the reader by). */
bool isCifar10Folder(const std::string& dir);

}  // namespace moe::core
