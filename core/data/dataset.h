#pragma once
/** @file In-memory labelled datasets, the common currency of loaders, models and the UI. */
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace moe::core {

/** A loader or parser refused its input. what() names the file and the problem. */
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
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

  std::vector<float> x;             ///< Dense features
  std::vector<std::int32_t> labels;  ///< class per sample (may be empty for regression)

  std::vector<std::int32_t> tokenOffsets;  ///< Tokens: rows() + 1 entries
  std::vector<std::int32_t> tokens;        ///< Tokens: hashed ids in [0, features)
  std::vector<std::string> texts;          ///< Tokens: the original text per sample

  std::vector<std::int32_t> users;  ///< Ratings: dense user index
  std::vector<std::int32_t> items;  ///< Ratings: dense item index
  std::vector<float> targets;       ///< Ratings: the rating

  int imageWidth = 0;  ///< image geometry, 0 when the samples are not images
  int imageHeight = 0;
  int imageChannels = 0;

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
};

/** The three splits a training run uses. */
struct DataSplits {
  Dataset train;
  Dataset validation;
  Dataset test;
};

}  // namespace moe::core
