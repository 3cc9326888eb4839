// safetensors files (--load-safetensors, scripts/to_pytorch.py's output): the reader's checks of
// the header length, the JSON header, dtypes, shapes and data_offsets. A file it accepts must
// survive a round trip: written again and read back, the same tensors and metadata.
#include <cstdlib>
#include <fstream>

#include "core/train/safetensors.h"
#include "fuzz/fuzz_support.h"

// With MOE_FUZZ_WRITE_SEEDS=DIR, writes files in the current writer's layout there.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = std::getenv("MOE_FUZZ_WRITE_SEEDS")) {
    moe::core::SafeTensors f;
    f.metadata = {{"format", "pt"}};
    f.tensors.push_back(moe::core::f32Tensor("router.weight", {2, 3}, {1, 2, 3, 4, 5, 6}));
    f.tensors.push_back(moe::core::f32Tensor("router.bias", {2}, {0.5f, -0.5f}));
    f.tensors.push_back(moe::core::i32Tensor("labels", {3}, {0, 1, 2}));
    const std::string blob = moe::core::encodeSafetensors(f);
    std::ofstream(std::string(dir) + "/written.safetensors", std::ios::binary) << blob;
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const moe::core::SafeTensors f = moe::core::decodeSafetensors(moe::fuzz::asText(data, size), "f");
    const moe::core::SafeTensors back =
        moe::core::decodeSafetensors(moe::core::encodeSafetensors(f), "re-encoded");
    if (back.metadata != f.metadata || back.tensors.size() != f.tensors.size()) std::abort();
    for (std::size_t i = 0; i < f.tensors.size(); ++i)
      if (back.tensors[i].name != f.tensors[i].name || back.tensors[i].bytes != f.tensors[i].bytes ||
          back.tensors[i].shape != f.tensors[i].shape || back.tensors[i].dtype != f.tensors[i].dtype)
        std::abort();
  } catch (const moe::core::SafetensorsError&) {
  }
  return 0;
}
