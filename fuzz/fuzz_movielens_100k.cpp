// MovieLens ml-100k: u.data and u.item.
#include "fuzz/fuzz_movielens.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return moe::fuzz::fuzzMovieLens(data, size, "ml-100k", "u.data", "u.item");
}
