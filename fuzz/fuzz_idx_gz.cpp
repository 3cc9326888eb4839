// IDX inside gzip: the input is compressed before the reader sees it, so the fuzzer explores
// the IDX structure through the decompressing path (fuzz_idx sees raw, mostly corrupt, gzip).
#include <zlib.h>

#include "core/data/idx.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = moe::fuzz::scratchDir() + "/f-idx.gz";
  gzFile f = gzopen(path.c_str(), "wb1");
  if (!f) return 0;
  if (size > 0) gzwrite(f, data, unsigned(size));
  gzclose(f);
  try {
    moe::core::readIdxImages(path);
  } catch (const moe::core::DataError&) {
  }
  try {
    moe::core::readIdxLabels(path);
  } catch (const moe::core::DataError&) {
  }
  return 0;
}
