#include "core/data/text_corpus.h"

#include "core/data/splits.h"
#include "core/data/utf8.h"

namespace moe::core {

bool TextCorpus::add(std::string_view text, std::int32_t label, const std::string& where) {
  if (!isValidUtf8(text)) {
    ++report.invalidUtf8;
    report.skip(where + ": invalid UTF-8");
    return false;
  }
  const std::string_view trimmed = trimAscii(text);
  if (trimmed.empty()) {
    ++report.empty;
    return false;
  }
  auto [it, inserted] = mSeen.emplace(trimmed);
  if (!inserted) {
    ++report.duplicates;
    return false;
  }
  texts.push_back(*it);
  labels.push_back(label);
  return true;
}

std::vector<int> TextCorpus::classCounts() const {
  std::vector<int> counts(classNames.size(), 0);
  for (const auto l : labels)
    if (l >= 0 && std::size_t(l) < counts.size()) ++counts[std::size_t(l)];
  return counts;
}

DataSplits splitTextCorpus(const TextCorpus& corpus, const TextSplitOptions& split,
                           const TokenizerOptions& tokenizer) {
  const SplitIndices outer = stratifiedSplit(corpus.labels, split.testFraction, split.seed);
  // The validation split uses its own seed stream so changing it leaves the test split alone.
  std::vector<std::int32_t> restLabels;
  restLabels.reserve(outer.keep.size());
  for (const int r : outer.keep) restLabels.push_back(corpus.labels[std::size_t(r)]);
  const SplitIndices inner =
      stratifiedSplit(restLabels, split.validationFraction, split.seed ^ 0x9e3779b97f4a7c15ull);
  std::vector<int> trainRows, validationRows;
  for (const int r : inner.keep) trainRows.push_back(outer.keep[std::size_t(r)]);
  for (const int r : inner.held) validationRows.push_back(outer.keep[std::size_t(r)]);
  if (split.maxTrain > 0 && int(trainRows.size()) > split.maxTrain)
    trainRows.resize(std::size_t(split.maxTrain));  // already shuffled: a random subset

  const auto build = [&](const std::vector<int>& rows) {
    std::vector<std::string> texts;
    std::vector<std::int32_t> labels;
    texts.reserve(rows.size());
    labels.reserve(rows.size());
    for (const int r : rows) {
      texts.push_back(corpus.texts[std::size_t(r)]);
      labels.push_back(corpus.labels[std::size_t(r)]);
    }
    return makeTokenDataset(corpus.name, std::move(texts), std::move(labels), corpus.classNames,
                            tokenizer);
  };
  DataSplits s;
  s.train = build(trainRows);
  s.validation = build(validationRows);
  s.test = build(outer.held);
  s.report = corpus.report;
  return s;
}

}  // namespace moe::core
