#pragma once
/** @file Translated images (Eigen, Ranzato & Sutskever 2013's jittered digits): each image of a
 *  source dataset placed at a random offset on a larger blank canvas, the offset kept as an
 *  analysis label (Dataset::offsetCells). */
#include <string>

#include "core/data/catalog.h"

namespace moe::core {

/** Canvas side in pixels; a 28x28 image moves by 0 to 12 pixels across and down. */
constexpr int kShiftedCanvas = 40;
/** The offset grid: 3 x 3 cells (a 28x28 image's 13 offsets per side fall 5, 4 and 4 per cell). */
constexpr int kShiftedGrid = 3;

/**
 * `source` is "fashion-mnist" (or empty: the same) or "idx:DIR" (MNIST-layout files). Loads it
 * as that spec would, in [0, 1] pixels, then moves each image of every split to an offset
 * drawn from opt.seed (the same data for the same seed), and standardises afterwards when
 * opt.normalization asks. Throws DataError for another source or images that do not fit.
 */
DataSplits loadShifted(const std::string& source, const DataOptions& opt);

/** One split's images placed at random offsets (drawn from `seed`) on a canvas x canvas
 *  blank; fills offsetGrid and offsetCells. Images must be single-channel and fit. */
Dataset shiftImages(const Dataset& images, int canvas, int grid, std::uint64_t seed);

}  // namespace moe::core
