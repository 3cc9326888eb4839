// IDX images and labels, plain: every byte of the header and body is the fuzzer's. A gzip
// input (1f 8b) goes through the decompressing path, corrupt or not.
#include "core/data/idx.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = moe::fuzz::writeScratch("f-idx3-ubyte", moe::fuzz::asText(data, size));
  try {
    moe::core::readIdxImages(path);
  } catch (const moe::core::DataError&) {
  }
  try {
    moe::core::readIdxLabels(path);
  } catch (const moe::core::DataError&) {
  }
  try {  // the same bytes as both files of a pair: counts, labels, class range
    moe::core::loadIdxPair(path, path);
  } catch (const moe::core::DataError&) {
  }
  return 0;
}
