#pragma once
/** @file In-memory labelled datasets, the common currency of loaders, models and the UI. */
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace moe::core {

/** A loader or parser refused its input. what() names the file and the problem. */
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/**
 * What a lenient loader skipped. Loaders that read user files line by line (text CSV, MovieLens)
 * skip malformed lines instead of refusing the file, count them, and keep the first messages.
 */
struct LoadReport {
  static constexpr int kMaxProblems = 20;  ///< messages kept; skipped counts them all
  int skipped = 0;      ///< records (lines) refused as malformed, each with a message
  int invalidUtf8 = 0;  ///< of those, records refused for invalid UTF-8
  int empty = 0;        ///< records empty after trimming (counted in skipped only for CSV)
  int duplicates = 0;   ///< exact duplicate texts dropped (not a problem: not in skipped)
  std::vector<std::string> problems;  ///< "FILE:LINE: what is wrong", first kMaxProblems
  /** Things that loaded but look wrong (labels with gaps): shown to the user, not refused. */
  std::vector<std::string> warnings;

  /** Counts one skipped record and keeps its message while fewer than kMaxProblems are kept. */
  void skip(std::string message) {
    ++skipped;
    if (int(problems.size()) < kMaxProblems) problems.push_back(std::move(message));
  }
};

/** What a sample is, which decides the model family that can train on it. */
enum class DataKind : std::uint8_t {
  Dense,   ///< fixed-length float features (images flattened row-major, channel-major for colour)
  Tokens,  ///< variable-length token id sequences (text)
  Ratings  ///< (user, item) pairs with a float target (recommendation)
};

/**
 * A dataset held in memory. For Dense data, x has rows() * features floats. For Tokens data,
 * sample i owns tokens[tokenOffsets[i], tokenOffsets[i+1]). For Ratings data, users/items
 * hold the ids and targets the ratings. labels hold classes for classification (for Ratings,
 * a label such as the item's first genre may be set for analysis).
 */
struct Dataset {
  std::string name;
  DataKind kind = DataKind::Dense;
  int features = 0;  ///< Dense: floats per sample. Tokens: vocabulary (hash buckets) size.
  int classes = 0;   ///< number of classes (0 for pure regression)
  std::vector<std::string> classNames;

  std::vector<float> x;              ///< Dense features
  std::vector<std::int32_t> labels;  ///< class per sample (may be empty for regression)

  std::vector<std::int32_t> tokenOffsets;  ///< Tokens: rows() + 1 entries
  std::vector<std::int32_t> tokens;        ///< Tokens: hashed ids in [0, features)
  std::vector<std::string> texts;          ///< Tokens: the original text per sample

  std::vector<std::int32_t> users;    ///< Ratings: dense user index
  std::vector<std::int32_t> items;    ///< Ratings: dense item index
  std::vector<float> targets;         ///< Ratings: the rating
  int userCount = 0;                  ///< Ratings: users known to the id maps (dense 0..userCount)
  int itemCount = 0;                  ///< Ratings: items known to the id maps
  std::vector<std::int64_t> userIds;  ///< Ratings: original id of each dense user
  std::vector<std::int64_t> itemIds;  ///< Ratings: original id of each dense item
  std::vector<std::string> itemTitles;    ///< Ratings: title per dense item ("" when unknown)
  std::vector<std::string> genreNames;    ///< Ratings: genre vocabulary (at most 32)
  std::vector<std::uint32_t> itemGenres;  ///< Ratings: per item, bit g set for genreNames[g]
  std::vector<std::int32_t> userRatings;  ///< Ratings: ratings per user in this split
  std::vector<std::int32_t> itemRatings;  ///< Ratings: ratings per item in this split

  /** Per-feature standardisation applied to x (empty when x holds the loader's [0,1] scale). */
  std::vector<float> featureMean;
  std::vector<float> featureStd;

  int imageWidth = 0;  ///< image geometry, 0 when the samples are not images
  int imageHeight = 0;
  int imageChannels = 0;
  /** Translated images (shifted:*): the side of the grid of offset cells, and per sample the
   *  cell (row-major) its offset falls in, an analysis label beside the class. 0 and empty for
   *  other data. */
  int offsetGrid = 0;
  std::vector<std::int32_t> offsetCells;

  /** Number of samples. */
  int rows() const {
    switch (kind) {
      case DataKind::Dense:
        return features > 0 ? int(x.size() / std::size_t(features)) : int(labels.size());
      case DataKind::Tokens:
        return tokenOffsets.empty() ? 0 : int(tokenOffsets.size()) - 1;
      case DataKind::Ratings:
        return int(targets.size());
    }
    return 0;
  }
  bool isImage() const { return imageWidth > 0 && imageHeight > 0; }

  /**
   * Ratings: whether this split has seen both the user and the item (each has at least one
   * rating here). A model trained on this split has no learned factors for the others.
   */
  bool knows(int user, int item) const {
    return user >= 0 && item >= 0 && std::size_t(user) < userRatings.size() &&
           std::size_t(item) < itemRatings.size() && userRatings[std::size_t(user)] > 0 &&
           itemRatings[std::size_t(item)] > 0;
  }
};

/** The three splits a training run uses. */
struct DataSplits {
  Dataset train;
  Dataset validation;
  Dataset test;
  LoadReport report;  ///< what the loader skipped on the way
};

}  // namespace moe::core
