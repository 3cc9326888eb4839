// MovieLens ml-1m: ratings.dat and movies.dat.
#include "fuzz/fuzz_movielens.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return moe::fuzz::fuzzMovieLens(data, size, "ml-1m", "ratings.dat", "movies.dat");
}
