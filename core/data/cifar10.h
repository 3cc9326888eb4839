#pragma once
/** @file CIFAR-10 in its binary version (data_batch_1..5.bin, test_batch.bin). */
#include <string>
#include <vector>

#include "core/data/dataset.h"

namespace moe::core {

/**
 * Reads one CIFAR-10 binary batch: records of 1 label byte and 3072 pixel bytes (1024 red, then
 * green, then blue, each 32x32 row-major) into a Dense 32x32x3 image dataset scaled to [0,1].
 * @throws DataError naming the file when its size is not a whole number of records or a label
 *         is not in 0..9.
 */
Dataset loadCifar10Batch(const std::string& path);

/**
 * Loads data_batch_1.bin..data_batch_5.bin as train and test_batch.bin as test from dir;
 * validation is left empty. Class names come from batches.meta.txt when present.
 * @throws DataError naming the missing file or the problem.
 */
DataSplits loadCifar10Dir(const std::string& dir);

/** CIFAR-10's ten class names, by label. */
const std::vector<std::string>& cifar10ClassNames();

}  // namespace moe::core
