// MovieLens ml-latest: ratings.csv and movies.csv.
#include "fuzz/fuzz_movielens.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return moe::fuzz::fuzzMovieLens(data, size, "ml-latest", "ratings.csv", "movies.csv");
}
