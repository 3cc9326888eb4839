// JSON config files (--config): parse, every key's type and range, validation.
#include "core/train/config.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = moe::fuzz::writeScratch("f.json", moe::fuzz::asText(data, size));
  try {
    moe::core::loadConfigFile(path);
  } catch (const moe::core::ConfigError&) {
  }
  return 0;
}
