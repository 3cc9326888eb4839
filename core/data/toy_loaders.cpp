// The dataset table's loaders of the toy sets: one per name (the table's loader has no room for
// the name), and the points CSV.
#include "core/data/toy_loaders.h"

#include "core/data/catalog.h"
#include "core/data/fileio.h"
#include "core/data/splits.h"
#include "core/data/toy_data.h"

namespace moe::core {

namespace {

DataSplits loadToy(const std::string& name, const DataOptions& opt) {
  ToyOptions o;
  o.size = opt.toySize;
  o.noise = opt.toyNoise;
  o.classes = opt.toyClasses;
  o.seed = opt.seed;
  return makeToySplits(name, o, opt.validationFraction, opt.maxTrain);
}

}  // namespace

DataSplits loadToySpirals(const std::string&, const DataOptions& o) { return loadToy("spirals", o); }
DataSplits loadToyXor(const std::string&, const DataOptions& o) { return loadToy("xor", o); }
DataSplits loadToyCircles(const std::string&, const DataOptions& o) { return loadToy("circles", o); }
DataSplits loadToyBlobs(const std::string&, const DataOptions& o) { return loadToy("blobs", o); }
DataSplits loadToyCheckerboard(const std::string&, const DataOptions& o) {
  return loadToy("checkerboard", o);
}
DataSplits loadToyMoons(const std::string&, const DataOptions& o) { return loadToy("moons", o); }
DataSplits loadToyRegression1d(const std::string&, const DataOptions& o) {
  return loadToy("regression-1d", o);
}
DataSplits loadToyRegression2d(const std::string&, const DataOptions& o) {
  return loadToy("regression-2d", o);
}

DataSplits loadPointsCsvFile(const std::string& file, const DataOptions& opt) {
  Dataset all;
  try {
    all = parsePointsCsv(readWholeFile(file, kMaxTextFileBytes), file);
  } catch (const DataError&) {
    throw;
  } catch (const std::exception& e) {
    throw DataError(file + ": " + e.what());
  }
  // testFraction of every class held out for testing, then validation out of the rest.
  DataSplits s;
  auto [rest, test] = splitDataset(all, opt.testFraction, opt.seed, true);
  s.test = std::move(test);
  auto [train, validation] = splitDataset(rest, opt.validationFraction, opt.seed + 1, true);
  s.train = opt.maxTrain > 0 ? subset(train, opt.maxTrain, opt.seed) : std::move(train);
  s.validation = std::move(validation);
  return s;
}

}  // namespace moe::core
