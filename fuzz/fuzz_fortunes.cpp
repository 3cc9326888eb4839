// The Fortunes reader: the input is every language's fortune file ('%'-separated records),
// read through the loader (records, corpus, stratified split, tokenising).
#include "core/data/fortunes.h"
#include "core/data/loaders.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = moe::fuzz::asText(data, size);
  moe::core::splitFortuneRecords(text);
  for (const moe::core::FortuneLanguage& lang : moe::core::fortuneLanguages()) {
    const std::string folder = lang.folder.empty() ? "fortunes" : "fortunes/" + lang.folder;
    moe::fuzz::writeScratch(folder + "/" + (lang.files.empty() ? "f" : lang.files.front()), text);
  }
  moe::core::DataOptions opt;
  opt.dataDir = moe::fuzz::scratchDir() + "/fortunes";
  opt.tokenizer.buckets = 1024;
  try {
    moe::core::loadFortunesLangid("", opt);
  } catch (const moe::core::DataError&) {
  }
  return 0;
}
