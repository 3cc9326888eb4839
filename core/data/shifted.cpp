#include "core/data/shifted.h"

#include <random>

#include "core/data/loaders.h"
#include "core/data/splits.h"

namespace moe::core {

Dataset shiftImages(const Dataset& images, int canvas, int grid, std::uint64_t seed) {
  const int w = images.imageWidth, h = images.imageHeight;
  if (!images.isImage() || images.imageChannels > 1)
    throw DataError("shifted: '" + images.name + "' is not a single-channel image dataset");
  if (w > canvas || h > canvas || grid < 1 || canvas - w + 1 < grid || canvas - h + 1 < grid)
    throw DataError("shifted: " + std::to_string(w) + "x" + std::to_string(h) +
                    " images do not fit a " + std::to_string(canvas) + "x" +
                    std::to_string(canvas) + " canvas with " + std::to_string(grid) +
                    " offset cells per side");
  Dataset out = images;
  const int rows = images.rows(), across = canvas - w + 1, down = canvas - h + 1;
  out.features = canvas * canvas;
  out.imageWidth = out.imageHeight = canvas;
  out.imageChannels = 1;
  out.offsetGrid = grid;
  out.x.assign(std::size_t(rows) * std::size_t(out.features), 0.0f);
  out.offsetCells.resize(std::size_t(rows));
  out.featureMean.clear();
  out.featureStd.clear();
  std::mt19937_64 rng(seed);
  for (int r = 0; r < rows; ++r) {
    // Offsets uniform over every position; the cell is the third of the range it falls in.
    const int ox = int(rng() % std::uint64_t(across)), oy = int(rng() % std::uint64_t(down));
    out.offsetCells[std::size_t(r)] = (oy * grid / down) * grid + ox * grid / across;
    const float* src = images.x.data() + std::size_t(r) * std::size_t(images.features);
    float* dst = out.x.data() + std::size_t(r) * std::size_t(out.features);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        dst[std::size_t(oy + y) * std::size_t(canvas) + std::size_t(ox + x)] =
            src[std::size_t(y) * std::size_t(w) + std::size_t(x)];
  }
  return out;
}

DataSplits loadShifted(const std::string& source, const DataOptions& opt) {
  DataOptions raw = opt;
  raw.normalization = Normalization::Scale01;  // blank canvas = 0: move pixels, then scale
  DataSplits s;
  if (source.empty() || source == "fashion-mnist")
    s = loadFashionMnist("", raw);
  else if (source.rfind("idx:", 0) == 0 && source.size() > 4)
    s = loadIdxFolder(source.substr(4), raw);
  else
    throw DataError("shifted: unknown source '" + source +
                    "' (expected shifted:fashion-mnist or shifted:idx:DIR)");
  const std::string name = "shifted:" + (source.empty() ? std::string("fashion-mnist") : source);
  std::uint64_t salt = 0;
  for (Dataset* d : {&s.train, &s.validation, &s.test}) {
    if (d->rows() > 0) *d = shiftImages(*d, kShiftedCanvas, kShiftedGrid, opt.seed * 0x9E3779B97F4A7C15ULL + ++salt);
    d->name = name;
  }
  if (opt.normalization == Normalization::Standardize) standardize(s);
  return s;
}

}  // namespace moe::core
