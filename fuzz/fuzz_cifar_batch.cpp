// A CIFAR-10 binary batch (records of 1 label byte + 3072 pixels).
#include "core/data/cifar10.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = moe::fuzz::writeScratch("data_batch.bin", moe::fuzz::asText(data, size));
  try {
    moe::core::loadCifar10Batch(path);
  } catch (const moe::core::DataError&) {
  }
  return 0;
}
