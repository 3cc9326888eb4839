// Labelled text files (CSV or TSV) through the loader the CLI uses: parse, classes, stratified
// split, tokenising. The first byte picks the layout options, the rest is the file.
#include "core/data/loaders.h"
#include "core/data/text_csv.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  moe::core::DataOptions opt;
  opt.tokenizer.buckets = 1024;
  opt.validationFraction = (mode & 1) ? 0.1 : 0.0;
  opt.csv.delimiter = (mode & 2) ? '\t' : 0;
  opt.csv.header = moe::core::TextCsvOptions::Header((mode >> 2) % 3);
  opt.csv.labelColumn = (mode >> 4) & 1;
  if (mode & 0x20) opt.csv.textColumns = {2};
  const std::string path = moe::fuzz::writeScratch((mode & 0x40) ? "f.tsv" : "f.csv",
                                                   moe::fuzz::asText(data + 1, size - 1));
  try {
    moe::core::loadTextCsvFile(path, opt);
  } catch (const moe::core::DataError&) {
  }
  return 0;
}
