// CIFAR-10's batches.meta.txt (class names, one per line) in a folder of valid one-record
// batches, through the folder loader.
#include "core/data/cifar10.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string dir = [] {
    const std::string record(3073, '\x01');
    for (const char* name : {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                             "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"})
      moe::fuzz::writeScratch(std::string("cifar/") + name, record);
    return moe::fuzz::scratchDir() + "/cifar";
  }();
  moe::fuzz::writeScratch("cifar/batches.meta.txt", moe::fuzz::asText(data, size));
  try {
    moe::core::loadCifar10Dir(dir);
  } catch (const moe::core::DataError&) {
  }
  return 0;
}
