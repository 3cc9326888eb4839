#include "core/data/cifar10.h"

#include "core/data/fileio.h"
#include "core/data/utf8.h"

namespace moe::core {
namespace {

constexpr int kSide = 32;
constexpr int kChannels = 3;
constexpr std::size_t kPixels = std::size_t(kSide) * kSide * kChannels;
constexpr std::size_t kRecord = 1 + kPixels;
constexpr int kClasses = 10;

Dataset emptyCifar() {
  Dataset d;
  d.name = "cifar10";
  d.kind = DataKind::Dense;
  d.features = int(kPixels);
  d.classes = kClasses;
  d.classNames = cifar10ClassNames();
  d.imageWidth = kSide;
  d.imageHeight = kSide;
  d.imageChannels = kChannels;
  return d;
}

// Appends the records of one batch file to d.
void appendBatch(const std::string& path, Dataset& d) {
  if (!isRegularFile(path)) throw DataError(path + ": missing CIFAR-10 batch file");
  const std::string data = readWholeFile(path);
  if (data.empty() || data.size() % kRecord != 0)
    throw DataError(path + ": size " + std::to_string(data.size()) +
                    " bytes is not a whole number of CIFAR-10 records (" + std::to_string(kRecord) +
                    " bytes: 1 label + 3072 pixels)");
  const std::size_t n = data.size() / kRecord;
  const std::size_t x0 = d.x.size();
  d.x.resize(x0 + n * kPixels);
  d.labels.reserve(d.labels.size() + n);
  constexpr float kScale = 1.0f / 255.0f;
  for (std::size_t r = 0; r < n; ++r) {
    const auto* rec = reinterpret_cast<const unsigned char*>(data.data() + r * kRecord);
    if (rec[0] >= kClasses)
      throw DataError(path + ": label " + std::to_string(rec[0]) + " of record " +
                      std::to_string(r) + " is out of range 0..9");
    d.labels.push_back(rec[0]);
    float* dst = d.x.data() + x0 + r * kPixels;
    for (std::size_t i = 0; i < kPixels; ++i) dst[i] = float(rec[1 + i]) * kScale;
  }
}

}  // namespace

Dataset loadCifar10Batch(const std::string& path) {
  Dataset d = emptyCifar();
  appendBatch(path, d);
  return d;
}

DataSplits loadCifar10Dir(const std::string& dir) {
  DataSplits s;
  s.train = emptyCifar();
  s.test = emptyCifar();
  for (int b = 1; b <= 5; ++b)
    appendBatch(joinPath(dir, "data_batch_" + std::to_string(b) + ".bin"), s.train);
  appendBatch(joinPath(dir, "test_batch.bin"), s.test);
  const std::string meta = joinPath(dir, "batches.meta.txt");
  if (isRegularFile(meta)) {
    std::vector<std::string> names;
    const std::string text = readWholeFile(meta, kMaxMetadataFileBytes);
    std::size_t pos = 0;
    while (pos < text.size() && names.size() < kClasses) {
      std::size_t eol = text.find('\n', pos);
      if (eol == std::string::npos) eol = text.size();
      const std::string_view line = trimAscii(std::string_view(text).substr(pos, eol - pos));
      if (!line.empty()) names.emplace_back(line);
      pos = eol + 1;
    }
    if (names.size() != std::size_t(kClasses))
      throw DataError(meta + ": expected 10 class names, found " + std::to_string(names.size()));
    s.train.classNames = s.test.classNames = names;
  }
  return s;
}

const std::vector<std::string>& cifar10ClassNames() {
  static const std::vector<std::string> names = {
      "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
  return names;
}

}  // namespace moe::core
