#include "core/data/text_corpus.h"

#include <algorithm>
#include <cmath>

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

namespace {

// Why a stratified split held out no test row: every class is too small for the fraction
// (the classes, smallest first), and how many duplicates were dropped on the way.
std::string emptyTestReason(const TextCorpus& corpus, double fraction) {
  const std::vector<int> counts = corpus.classCounts();
  // A class of n rows holds out round(fraction * n): at least one from n >= 0.5 / fraction.
  const int needed = fraction > 0.0 ? int(std::ceil(0.5 / fraction - 1e-9)) : 0;
  std::vector<int> order;
  for (std::size_t c = 0; c < counts.size(); ++c)
    if (counts[c] > 0) order.push_back(int(c));
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return counts[std::size_t(a)] < counts[std::size_t(b)]; });
  std::string msg = "the test split is empty: a " + std::to_string(int(std::lround(fraction * 100))) +
                    "% test split takes a row from a class of at least " + std::to_string(needed) +
                    " rows, and all " + std::to_string(order.size()) + " classes have fewer (";
  constexpr std::size_t kShown = 5;
  for (std::size_t i = 0; i < order.size() && i < kShown; ++i) {
    const int n = counts[std::size_t(order[i])];
    msg += (i ? ", '" : "'") + corpus.classNames[std::size_t(order[i])] + "' " +
           std::to_string(n) + (n == 1 ? " row" : " rows");
  }
  if (order.size() > kShown) msg += " and " + std::to_string(order.size() - kShown) + " more";
  msg += ")";
  if (corpus.report.duplicates > 0)
    msg += "; " + std::to_string(corpus.report.duplicates) + " duplicate text(s) were dropped";
  return msg + "; add rows to the classes";
}

}  // namespace

DataSplits splitTextCorpus(const TextCorpus& corpus, const TextSplitOptions& split,
                           const TokenizerOptions& tokenizer) {
  const SplitIndices outer = stratifiedSplit(corpus.labels, split.testFraction, split.seed);
  if (outer.held.empty() && !corpus.labels.empty() && split.testFraction > 0.0)
    throw DataError(corpus.name + ": " + emptyTestReason(corpus, split.testFraction));
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
