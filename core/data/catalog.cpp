#include "core/data/catalog.h"

#include "core/data/cifar10.h"
#include "core/data/fileio.h"
#include "core/data/fortunes.h"
#include "core/data/idx.h"
#include "core/data/movielens.h"
#include "core/data/text_corpus.h"

namespace moe::core {
namespace {

// Splits "kind:arg" at the first ':'.
std::pair<std::string, std::string> parseSpec(const std::string& spec) {
  const std::size_t colon = spec.find(':');
  if (colon == std::string::npos) return {spec, {}};
  return {spec.substr(0, colon), spec.substr(colon + 1)};
}

std::string requireArg(const std::string& kind, const std::string& arg, const DataOptions& opt) {
  const std::string path = arg.empty() ? opt.dataDir : arg;
  if (path.empty()) throw DataError("dataset spec '" + kind + "' needs a path: " + kind + ":PATH");
  return path;
}

// Dense images: validation from train (stratified), then the train cap and normalisation.
DataSplits finishImages(DataSplits s, const DataOptions& opt) {
  auto [train, validation] = splitDataset(s.train, opt.validationFraction, opt.seed, true);
  s.train = std::move(train);
  s.validation = std::move(validation);
  if (opt.maxTrain > 0 && s.train.rows() > opt.maxTrain)
    s.train = subset(s.train, opt.maxTrain, opt.seed + 1);
  if (opt.normalization == Normalization::Standardize) standardize(s);
  return s;
}

DataSplits loadText(TextCorpus corpus, const DataOptions& opt) {
  TextSplitOptions split;
  split.testFraction = opt.testFraction;
  split.validationFraction = opt.validationFraction;
  split.seed = opt.seed;
  split.maxTrain = opt.maxTrain;
  return splitTextCorpus(corpus, split, opt.tokenizer);
}

DataSplits loadRatings(const std::string& dir, const DataOptions& opt) {
  LoadReport report;
  const Dataset all = readMovieLens(dir, report);
  DataSplits s = splitRatings(all, opt.testFraction, opt.validationFraction, opt.seed);
  if (opt.maxTrain > 0 && s.train.rows() > opt.maxTrain)
    s.train = subset(s.train, opt.maxTrain, opt.seed + 1);
  s.report = std::move(report);
  return s;
}

}  // namespace

const std::vector<std::string>& datasetSpecs() {
  static const std::vector<std::string> specs = {"fashion-mnist",   "idx:DIR",       "cifar10:DIR",
                                                 "fortunes-langid", "text-csv:FILE", "movielens",
                                                 "movielens:DIR"};
  return specs;
}

DataSplits loadDataset(const std::string& spec, const DataOptions& opt) {
  const auto [kind, arg] = parseSpec(spec);
  if (kind == "fashion-mnist" && arg.empty()) {
    const std::string dir = opt.dataDir.empty() ? kFashionMnistDir : opt.dataDir;
    if (!isRegularFile(joinPath(dir, "train-images-idx3-ubyte.gz")) &&
        !isRegularFile(joinPath(dir, "train-images-idx3-ubyte")))
      throw DataError(dir + ": Fashion-MNIST not found (install Debian's dataset-fashion-mnist)");
    DataSplits s = loadIdxDir(dir, fashionMnistClassNames());
    return finishImages(std::move(s), opt);
  }
  if (kind == "idx") return finishImages(loadIdxDir(requireArg(kind, arg, opt)), opt);
  if (kind == "cifar10") return finishImages(loadCifar10Dir(requireArg(kind, arg, opt)), opt);
  if (kind == "fortunes-langid" && arg.empty())
    return loadText(readFortunesCorpus(opt.dataDir.empty() ? kFortunesRoot : opt.dataDir), opt);
  if (kind == "text-csv") return loadText(readTextCsv(requireArg(kind, arg, opt), opt.csv), opt);
  if (kind == "movielens") {
    const std::string dir = !arg.empty()           ? arg
                            : !opt.dataDir.empty() ? opt.dataDir
                                                   : defaultMovieLensDir();
    if (arg.empty() && opt.dataDir.empty() && !isRegularFile(joinPath(dir, "ratings.csv")))
      throw DataError(dir + ": MovieLens has not been exported yet; run " +
                      "scripts/export_movielens.sh (it installs r-cran-dslabs if needed)");
    return loadRatings(dir, opt);
  }
  std::string valid;
  for (const auto& s : datasetSpecs()) valid += (valid.empty() ? "" : ", ") + s;
  throw DataError("unknown dataset '" + spec + "'; valid: " + valid);
}

}  // namespace moe::core
