// moe-nb-baseline: char n-gram naive Bayes on a text dataset, on moe-train's seeded split.
#include <chrono>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "core/baselines/naive_bayes.h"
#include "core/data/catalog.h"

using namespace moe;

int main(int argc, char** argv) {
  CLI::App app{"moe-nb-baseline: naive Bayes language ID baseline (same split as moe-train)"};
  std::string dataset = "fortunes-langid", dataDir;
  std::uint64_t seed = 0;
  int ngramMin = 3, ngramMax = 3, buckets = 1 << 18;
  double alpha = 0.01;  // best of a sweep on fortunes-langid (docs/BENCHMARKS.md)
  app.add_option("--dataset", dataset, "fortunes-langid | text-csv:FILE");
  app.add_option("--data-dir", dataDir, "folder of the dataset (overrides its default)");
  app.add_option("--seed", seed, "split seed (moe-train's --seed; default 0 like moe-train)");
  app.add_option("--ngram-min", ngramMin, "shortest character n-gram");
  app.add_option("--ngram-max", ngramMax, "longest character n-gram");
  app.add_option("--hash-buckets", buckets, "hash buckets");
  app.add_option("--alpha", alpha, "additive smoothing");
  CLI11_PARSE(app, argc, argv);
  try {
    core::DataOptions opt;
    opt.dataDir = dataDir;
    opt.seed = seed;
    opt.validationFraction = 0.0;
    opt.tokenizer.minN = ngramMin;
    opt.tokenizer.maxN = ngramMax;
    opt.tokenizer.buckets = buckets;
    const auto t0 = std::chrono::steady_clock::now();
    const core::DataSplits data = core::loadDataset(dataset, opt);
    core::NaiveBayes nb;
    nb.fit(data.train, alpha);
    const double acc = nb.accuracy(data.test);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << nlohmann::json{{"baseline", "multinomial naive Bayes"}, {"dataset", dataset},
                                {"ngram_min", ngramMin}, {"ngram_max", ngramMax},
                                {"alpha", alpha}, {"train", data.train.rows()},
                                {"test", data.test.rows()}, {"test_accuracy", acc},
                                {"seconds", seconds}}
                     .dump()
              << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "moe-nb-baseline: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
