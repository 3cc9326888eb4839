#pragma once
// One MovieLens layout: the input's two parts ("\n----\n" between them) are its ratings and
// movies files, loaded and split as the CLI does.
#include "core/data/loaders.h"
#include "fuzz/fuzz_support.h"

namespace moe::fuzz {

inline int fuzzMovieLens(const std::uint8_t* data, std::size_t size, const char* folder,
                         const char* ratings, const char* movies) {
  const auto [r, m] = splitTwo(asText(data, size));
  const std::string dir = std::string(folder);
  writeScratch(dir + "/" + ratings, r);
  writeScratch(dir + "/" + movies, m);
  core::DataOptions opt;
  try {
    core::loadMovieLensFolder(scratchDir() + "/" + dir, opt);
  } catch (const core::DataError&) {
  }
  return 0;
}

}  // namespace moe::fuzz
