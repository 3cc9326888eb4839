#include "core/data/loaders.h"

#include "core/data/cifar10.h"
#include "core/data/fileio.h"
#include "core/data/fortunes.h"
#include "core/data/idx.h"
#include "core/data/movielens.h"
#include "core/data/text_corpus.h"

namespace moe::core {
namespace {

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

}  // namespace

DataSplits loadFashionMnist(const std::string&, const DataOptions& opt) {
  const std::string dir = opt.dataDir.empty() ? kFashionMnistDir : opt.dataDir;
  if (!isRegularFile(joinPath(dir, "train-images-idx3-ubyte.gz")) &&
      !isRegularFile(joinPath(dir, "train-images-idx3-ubyte")))
    throw DataError(dir + ": Fashion-MNIST not found (install Debian's dataset-fashion-mnist)");
  return finishImages(loadIdxDir(dir, fashionMnistClassNames()), opt);
}

DataSplits loadIdxFolder(const std::string& dir, const DataOptions& opt) {
  return finishImages(loadIdxDir(dir), opt);
}

DataSplits loadCifar10Folder(const std::string& dir, const DataOptions& opt) {
  return finishImages(loadCifar10Dir(dir), opt);
}

DataSplits loadFortunesLangid(const std::string&, const DataOptions& opt) {
  return loadText(readFortunesCorpus(opt.dataDir.empty() ? kFortunesRoot : opt.dataDir), opt);
}

DataSplits loadTextCsvFile(const std::string& file, const DataOptions& opt) {
  return loadText(readTextCsv(file, opt.csv), opt);
}

DataSplits loadMovieLensFolder(const std::string& arg, const DataOptions& opt) {
  const std::string dir = !arg.empty()           ? arg
                          : !opt.dataDir.empty() ? opt.dataDir
                                                 : defaultMovieLensDir();
  if (arg.empty() && opt.dataDir.empty() && !isRegularFile(joinPath(dir, "ratings.csv")))
    throw DataError(dir + ": MovieLens has not been exported yet; run " +
                    "scripts/export_movielens.sh (it installs r-cran-dslabs if needed)");
  LoadReport report;
  const Dataset all = readMovieLens(dir, report);
  DataSplits s = splitRatings(all, opt.testFraction, opt.validationFraction, opt.seed);
  if (opt.maxTrain > 0 && s.train.rows() > opt.maxTrain)
    s.train = subset(s.train, opt.maxTrain, opt.seed + 1);
  s.report = std::move(report);
  return s;
}

bool isCifar10Folder(const std::string& dir) {
  return isRegularFile(joinPath(dir, "data_batch_1.bin")) ||
         isRegularFile(joinPath(dir, "test_batch.bin"));
}

}  // namespace moe::core
