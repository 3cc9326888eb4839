// The user's 2-D points (toy:csv:FILE) through the loader the CLI uses: parse, classes, stratified
// test and validation splits. The first byte picks the split options, the rest is the file.
#include "core/data/catalog.h"
#include "core/data/toy_loaders.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  moe::core::DataOptions opt;
  opt.validationFraction = (mode & 1) ? 0.1 : 0.0;
  opt.testFraction = (mode & 2) ? 0.5 : 0.2;
  opt.maxTrain = (mode & 4) ? 5 : 0;
  const std::string path = moe::fuzz::writeScratch("points.csv", moe::fuzz::asText(data + 1, size - 1));
  try {
    moe::core::loadPointsCsvFile(path, opt);
  } catch (const moe::core::DataError&) {
  }
  return 0;
}
