// EMNIST's mapping file ("label ascii-code" lines) next to four valid IDX files.
#include "core/data/idx.h"
#include "fuzz/fuzz_support.h"

namespace {

std::string be32(std::uint32_t v) {
  return {char(v >> 24), char((v >> 16) & 0xff), char((v >> 8) & 0xff), char(v & 0xff)};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string dir = [] {
    const std::string images = be32(0x803) + be32(3) + be32(2) + be32(2) + std::string(12, '\x40');
    const std::string labels = be32(0x801) + be32(3) + std::string{0, 1, 2};
    const std::string p = "emnist/emnist-letters-";
    moe::fuzz::writeScratch(p + "train-images-idx3-ubyte", images);
    moe::fuzz::writeScratch(p + "train-labels-idx1-ubyte", labels);
    moe::fuzz::writeScratch(p + "test-images-idx3-ubyte", images);
    moe::fuzz::writeScratch(p + "test-labels-idx1-ubyte", labels);
    return moe::fuzz::scratchDir() + "/emnist";
  }();
  moe::fuzz::writeScratch("emnist/emnist-letters-mapping.txt", moe::fuzz::asText(data, size));
  try {
    moe::core::loadIdxDir(dir);
  } catch (const moe::core::DataError&) {
  }
  return 0;
}
