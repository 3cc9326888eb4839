#pragma once
/** @file Labelled texts before tokenisation, and their train/validation/test splits. */
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/data/dataset.h"
#include "core/data/tokenizer.h"

namespace moe::core {

/** Labelled texts as read from files: trimmed, valid UTF-8, non-empty, without duplicates. */
struct TextCorpus {
  std::string name;
  std::vector<std::string> texts;
  std::vector<std::int32_t> labels;
  std::vector<std::string> classNames;
  LoadReport report;

  /**
   * Adds text with its label after trimming. Empty texts and exact duplicates are counted in
   * report and dropped; invalid UTF-8 is refused with the message "where: invalid UTF-8".
   * @return true when the text was added.
   */
  bool add(std::string_view text, std::int32_t label, const std::string& where);

  /** Number of texts per class. */
  std::vector<int> classCounts() const;

 private:
  std::unordered_set<std::string> mSeen;
};

/** How a corpus becomes splits. */
struct TextSplitOptions {
  double testFraction = 0.2;        ///< of each class, held out as test
  double validationFraction = 0.0;  ///< of each class of the rest, held out as validation
  std::uint64_t seed = 1;
  int maxTrain = 0;  ///< keep at most this many train rows (0: all)
};

/**
 * Stratified, seeded split of a corpus into train, validation and test, each tokenised with
 * tokenizer. The corpus report is copied into the result.
 */
DataSplits splitTextCorpus(const TextCorpus& corpus, const TextSplitOptions& split,
                           const TokenizerOptions& tokenizer);

}  // namespace moe::core
