#include "core/data/idx.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <future>
#include <initializer_list>
#include <map>
#include <optional>
#include <sstream>
#include <vector>

#include "core/data/fileio.h"
#include "compute/huge_pages.h"

namespace moe::core {
namespace {

constexpr std::uint32_t kImagesMagic = 0x00000803;
constexpr std::uint32_t kLabelsMagic = 0x00000801;
constexpr std::uint32_t kMaxImagePixels = 1u << 24;  // 4096 x 4096

std::uint32_t bigEndian32(const std::string& data, std::size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data() + at);
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
         std::uint32_t(p[3]);
}

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// Reads the header of an IDX file with `dims` dimensions and checks it against the file size.
// Returns the file's bytes; dimsOut receives the dimension sizes.
std::string readIdx(const std::string& path, std::uint32_t magic, const char* what, int dims,
                    std::vector<std::uint32_t>& dimsOut) {
  std::string data = readWholeFile(path);
  const std::size_t header = 4 + 4 * std::size_t(dims);
  if (data.size() < 4) throw DataError(path + ": truncated: too short for an IDX magic number");
  const std::uint32_t m = bigEndian32(data, 0);
  if (m != magic)
    throw DataError(path + ": wrong magic number " + hex32(m) + " (expected " + hex32(magic) +
                    ", IDX " + what + ")");
  if (data.size() < header)
    throw DataError(path + ": truncated: the IDX header needs " + std::to_string(header) +
                    " bytes, the file has " + std::to_string(data.size()));
  dimsOut.clear();
  static const char* const kFields[] = {"number of items", "rows", "columns"};
  std::uint64_t payload = 1;
  for (int d = 0; d < dims; ++d) {
    const std::uint32_t v = bigEndian32(data, 4 + 4 * std::size_t(d));
    const std::string field = std::string("header field '") +
                              (dims == 1 ? "number of labels" : kFields[d]) + "' (" +
                              std::to_string(v) + ")";
    if (v > 0x7fffffffu) throw DataError(path + ": " + field + " is too large");
    dimsOut.push_back(v);
    // Checked: a crafted header must not wrap around to the file's size.
    if (__builtin_mul_overflow(payload, std::uint64_t(v), &payload))
      throw DataError(path + ": " + field + " makes the data size overflow 64 bits (the " +
                      "header declares far more " + what + " than the file's " +
                      std::to_string(data.size()) + " bytes hold)");
  }
  if (dims > 1 && (dimsOut[1] == 0 || dimsOut[2] == 0))
    throw DataError(path + ": header declares images of size " + std::to_string(dimsOut[1]) + "x" +
                    std::to_string(dimsOut[2]));
  // An image is one row of features (an int): rows x columns must fit one.
  if (dims > 1 && std::uint64_t(dimsOut[1]) * dimsOut[2] > std::uint64_t(kMaxImagePixels))
    throw DataError(path + ": header fields 'rows' x 'columns' (" + std::to_string(dimsOut[1]) +
                    " x " + std::to_string(dimsOut[2]) + ") exceed " +
                    std::to_string(kMaxImagePixels) + " pixels per image");
  const std::uint64_t have = data.size() - header;
  if (payload > have)
    throw DataError(path + ": truncated: header counts " + std::to_string(dimsOut[0]) + " " + what +
                    " (" + std::to_string(payload) + " bytes) but only " + std::to_string(have) +
                    " bytes follow the header");
  if (payload < have)
    throw DataError(path + ": " + std::to_string(have - payload) +
                    " bytes past the data the header declares (" + std::to_string(dimsOut[0]) +
                    " " + what + ")");
  return data;
}

// The file in dir whose name is PREFIX + one of the bases (+ ".gz"), where PREFIX is empty
// (MNIST, Fashion-MNIST) or a dataset prefix such as "emnist-balanced-". The first call
// (prefix unset) takes the only prefix present and sets it; later calls need that prefix.
// A plain file wins over the same name with ".gz".
std::string findIdxFile(const std::string& dir, std::initializer_list<const char*> bases,
                        std::optional<std::string>& prefix) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw DataError(dir + ": no such folder (expected the IDX files, e.g. " + *bases.begin() + ".gz)");
  std::map<std::string, std::string> byPrefix;  // prefix -> path
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    const bool gz = name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0;
    if (gz) name.resize(name.size() - 3);
    for (const std::string b : bases) {
      if (name.size() < b.size() || name.compare(name.size() - b.size(), b.size(), b) != 0 ||
          !isRegularFile(entry.path().string()))
        continue;
      const auto [it, added] = byPrefix.emplace(name.substr(0, name.size() - b.size()), entry.path().string());
      if (!added && !gz) it->second = entry.path().string();
    }
  }
  if (ec) throw DataError(dir + ": cannot list the folder (" + ec.message() + ")");
  if (prefix) {
    const auto it = byPrefix.find(*prefix);
    if (it == byPrefix.end())
      throw DataError(dir + ": missing " + *prefix + *bases.begin() + " (or " + *prefix + *bases.begin() + ".gz)");
    return it->second;
  }
  if (byPrefix.empty())
    throw DataError(dir + ": missing " + *bases.begin() + " (or " + *bases.begin() + ".gz)");
  if (byPrefix.size() > 1) {
    std::string names;
    for (const auto& [p, path] : byPrefix) names += (names.empty() ? "" : ", ") + path;
    throw DataError(dir + ": several sets of IDX files (" + names +
                    "); put one set in a folder of its own");
  }
  prefix = byPrefix.begin()->first;
  return byPrefix.begin()->second;
}

// EMNIST's mapping file ("label ascii-code" per line) as class names, or {} without one.
std::vector<std::string> emnistClassNames(const std::string& dir, const std::string& prefix) {
  const std::string path = joinPath(dir, prefix + "mapping.txt");
  if (!isRegularFile(path)) return {};
  std::istringstream in(readWholeFile(path, kMaxMetadataFileBytes));
  std::vector<std::string> names;
  std::string line;
  int lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::istringstream fields(line);
    int label = -1, code = -1;
    if (!(fields >> label >> code) || label < 0 || label > 4096 || code <= 0 || code > 0x10FFFF)
      throw DataError(path + ":" + std::to_string(lineNo) + ": expected 'label code', got '" + line + "'");
    if (names.size() <= std::size_t(label)) names.resize(std::size_t(label) + 1);
    names[std::size_t(label)] = code < 128 ? std::string(1, char(code)) : std::to_string(code);
  }
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i].empty()) names[i] = std::to_string(i);
  return names;
}

// EMNIST stores each image transposed (column-major) relative to MNIST: turn them upright.
void transposeImages(Dataset& d) {
  const int h = d.imageHeight, w = d.imageWidth;
  std::vector<float> image(std::size_t(h) * std::size_t(w));
  for (long i = 0; i < d.rows(); ++i) {
    float* px = d.x.data() + std::size_t(i) * image.size();
    for (int r = 0; r < h; ++r)
      for (int c = 0; c < w; ++c) image[std::size_t(c) * std::size_t(h) + std::size_t(r)] = px[std::size_t(r) * std::size_t(w) + std::size_t(c)];
    std::copy(image.begin(), image.end(), px);
  }
  std::swap(d.imageHeight, d.imageWidth);
}

}  // namespace

IdxImages readIdxImages(const std::string& path) {
  std::vector<std::uint32_t> dims;
  const std::string data = readIdx(path, kImagesMagic, "images", 3, dims);
  IdxImages out;
  out.count = int(dims[0]);
  out.rows = int(dims[1]);
  out.cols = int(dims[2]);
  out.pixels.assign(data.begin() + 16, data.end());
  return out;
}

std::vector<std::int32_t> readIdxLabels(const std::string& path) {
  std::vector<std::uint32_t> dims;
  const std::string data = readIdx(path, kLabelsMagic, "labels", 1, dims);
  std::vector<std::int32_t> labels(dims[0]);
  for (std::size_t i = 0; i < labels.size(); ++i)
    labels[i] = static_cast<unsigned char>(data[8 + i]);
  return labels;
}

Dataset loadIdxPair(const std::string& imagesPath, const std::string& labelsPath, int classes,
                    const std::vector<std::string>& classNames) {
  Dataset d;
  const std::vector<std::int32_t> labels = readIdxLabels(labelsPath);
  std::vector<std::uint32_t> dims;
  // The bytes stay in the file buffer: converting from there saves a 47 MB copy for MNIST.
  const std::string data = readIdx(imagesPath, kImagesMagic, "images", 3, dims);
  IdxImages images;
  images.count = int(dims[0]);
  images.rows = int(dims[1]);
  images.cols = int(dims[2]);
  if (std::size_t(images.count) != labels.size())
    throw DataError(imagesPath + " has " + std::to_string(images.count) + " images but " +
                    labelsPath + " has " + std::to_string(labels.size()) + " labels");
  if (classes <= 0 && !classNames.empty()) classes = int(classNames.size());
  if (classes > 0) {
    for (std::size_t i = 0; i < labels.size(); ++i)
      if (labels[i] >= classes)
        throw DataError(labelsPath + ": label " + std::to_string(labels[i]) + " of sample " +
                        std::to_string(i) + " is out of range 0.." + std::to_string(classes - 1));
  } else {
    classes = labels.empty() ? 0 : *std::max_element(labels.begin(), labels.end()) + 1;
  }
  d.kind = DataKind::Dense;
  d.features = images.rows * images.cols;
  d.classes = classes;
  d.classNames = classNames;
  for (int c = int(d.classNames.size()); c < classes; ++c)
    d.classNames.push_back(std::to_string(c));
  d.imageWidth = images.cols;
  d.imageHeight = images.rows;
  d.imageChannels = 1;
  d.labels = labels;
  compute::resizeHuge(d.x, data.size() - 16);
  constexpr float kScale = 1.0f / 255.0f;
  const auto* src = reinterpret_cast<const unsigned char*>(data.data() + 16);
  float* dst = d.x.data();
  for (std::size_t i = 0, n = d.x.size(); i < n; ++i) dst[i] = float(src[i]) * kScale;
  return d;
}

DataSplits loadIdxDir(const std::string& dir, const std::vector<std::string>& classNames) {
  std::optional<std::string> found;
  const std::string trainImages = findIdxFile(dir, {"train-images-idx3-ubyte"}, found);
  const std::string trainLabels = findIdxFile(dir, {"train-labels-idx1-ubyte"}, found);
  const std::string testImages = findIdxFile(dir, {"t10k-images-idx3-ubyte", "test-images-idx3-ubyte"}, found);
  const std::string testLabels = findIdxFile(dir, {"t10k-labels-idx1-ubyte", "test-labels-idx1-ubyte"}, found);
  const std::string prefix = *found;
  const bool emnist = prefix.rfind("emnist", 0) == 0;
  std::vector<std::string> names = classNames;
  if (names.empty() && emnist) names = emnistClassNames(dir, prefix);
  std::string lower = dir;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  if (names.empty() && lower.find("fashion") != std::string::npos) names = fashionMnistClassNames();
  DataSplits s;
  // Inflating is most of the time: decode the test files on a second thread meanwhile.
  auto test = std::async(std::launch::async, [&] {
    return loadIdxPair(testImages, testLabels, int(names.size()), names);
  });
  s.train = loadIdxPair(trainImages, trainLabels, int(names.size()), names);
  s.test = test.get();
  if (emnist)
    for (Dataset* d : {&s.train, &s.test}) transposeImages(*d);
  if (names.empty()) {  // no fixed class list: both splits use the larger label range
    const int classes = std::max(s.train.classes, s.test.classes);
    for (Dataset* d : {&s.train, &s.test}) {
      d->classes = classes;
      for (int c = int(d->classNames.size()); c < classes; ++c)
        d->classNames.push_back(std::to_string(c));
    }
    // Labels 0 and 200 make 201 classes, 199 of them never seen: say so.
    std::vector<char> seen(std::size_t(std::max(classes, 0)), 0);
    for (const Dataset* d : {&s.train, &s.test})
      for (const std::int32_t l : d->labels) seen[std::size_t(l)] = 1;
    const auto missing = std::count(seen.begin(), seen.end(), 0);
    if (missing > 0) {
      const auto first = std::find(seen.begin(), seen.end(), 0) - seen.begin();
      s.report.warnings.push_back(
          trainLabels + ": the labels run from 0 to " + std::to_string(classes - 1) + " but " +
          std::to_string(missing) + " of these " + std::to_string(classes) +
          " classes have no sample (the first: " + std::to_string(first) +
          "); the model still has an output for each");
    }
  }
  const std::string name = names == fashionMnistClassNames() ? "fashion-mnist"
                           : emnist ? prefix.substr(0, prefix.size() - (prefix.back() == '-' ? 1 : 0))
                                    : "idx:" + dir;
  s.train.name = name;
  s.test.name = name;
  return s;
}

const std::vector<std::string>& fashionMnistClassNames() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                                 "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                                 "Bag",         "Ankle boot"};
  return names;
}

}  // namespace moe::core
