#pragma once
/** @file IDX files (MNIST, Fashion-MNIST, EMNIST), gzip-compressed or not. */
#include <cstdint>
#include <string>
#include <vector>

#include "core/data/dataset.h"

namespace moe::core {

/** The images of one IDX file (magic 0x00000803): count images of rows x cols bytes. */
struct IdxImages {
  int count = 0;
  int rows = 0;
  int cols = 0;
  std::vector<std::uint8_t> pixels;  ///< count * rows * cols bytes, row-major per image
};

/**
 * Reads an IDX unsigned-byte image file (magic 0x00000803), plain or gzip.
 * @throws DataError naming the file and the problem: wrong magic number, truncated header,
 *         header counts larger than the file, trailing bytes, zero image size.
 */
IdxImages readIdxImages(const std::string& path);

/**
 * Reads an IDX unsigned-byte label file (magic 0x00000801), plain or gzip.
 * @throws DataError as readIdxImages.
 */
std::vector<std::int32_t> readIdxLabels(const std::string& path);

/**
 * Loads an images file and its labels file into a Dense image dataset, pixels scaled to [0,1].
 * @param classes number of classes; labels must lie in [0, classes). 0: max label + 1.
 * @throws DataError when either file is invalid, the counts disagree or a label is out of range.
 */
Dataset loadIdxPair(const std::string& imagesPath, const std::string& labelsPath, int classes = 0,
                    const std::vector<std::string>& classNames = {});

/**
 * Loads train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
 * t10k-labels-idx1-ubyte (each optionally with .gz) from dir into train and test; validation
 * is left empty. EMNIST's layout works too: the four names behind a common prefix
 * ("emnist-balanced-train-images-idx3-ubyte", "test" for "t10k"); EMNIST images, stored
 * transposed, are turned upright, and the split's mapping file (PREFIX + "mapping.txt",
 * "label ascii-code" lines) names the classes. Class names: classNames when given; otherwise
 * EMNIST's mapping, or Fashion-MNIST's when the folder name contains "fashion", else the
 * label numbers.
 * @throws DataError naming the missing file or the problem (also: several sets of files in
 *         one folder, a malformed mapping line).
 */
DataSplits loadIdxDir(const std::string& dir, const std::vector<std::string>& classNames = {});

/** Fashion-MNIST's ten class names, by label. */
const std::vector<std::string>& fashionMnistClassNames();

/** Where Debian's dataset-fashion-mnist installs the files. */
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

}  // namespace moe::core
