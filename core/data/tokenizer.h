#pragma once
/** @file Hashed tokenisation of text: character n-grams or words, into a fixed id range. */
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/data/dataset.h"

namespace moe::core {

/** How text becomes token ids. */
struct TokenizerOptions {
  enum class Mode {
    CharNgrams,  ///< character n-grams of each lower-cased word, with word-boundary markers
    Words        ///< lower-cased words (letters, digits, apostrophes and hyphens)
  };
  Mode mode = Mode::CharNgrams;
  int minN = 1;           ///< shortest n-gram, in code points (CharNgrams)
  int maxN = 3;           ///< longest n-gram (CharNgrams)
  int buckets = 1 << 18;  ///< ids are FNV-1a hashes modulo buckets
  int maxTokens = 4096;   ///< stop after this many tokens per text (0: no limit)
};

/** One token and the bytes of the original text it covers, for colouring tokens in the UI. */
struct TokenSpan {
  std::int32_t id = 0;     ///< hashed id in [0, buckets)
  std::int32_t begin = 0;  ///< first byte in the text
  std::int32_t end = 0;    ///< one past the last byte
};

/**
 * Token ids of text, in order. CharNgrams: every word (maximal run of non-space code points) is
 * lower-cased and wrapped in begin/end markers, and all its n-grams of minN..maxN code points
 * are hashed (a marker alone is not a token). The text must be valid UTF-8.
 */
std::vector<std::int32_t> tokenize(std::string_view text, const TokenizerOptions& options = {});

/** As tokenize, with the byte range each token covers in text (markers cover no bytes). */
std::vector<TokenSpan> tokenSpans(std::string_view text, const TokenizerOptions& options = {});

/** The token's string as hashed ("\x02" and "\x03" mark word begin and end), for tooltips. */
std::vector<std::string> tokenStrings(std::string_view text, const TokenizerOptions& options = {});

/** 64-bit FNV-1a hash of bytes: fixed across platforms and runs. */
std::uint64_t fnv1a64(std::string_view bytes);

/**
 * Builds a Tokens dataset from texts and labels: tokens and tokenOffsets from tokenize, texts
 * kept, features = options.buckets.
 */
Dataset makeTokenDataset(std::string name, std::vector<std::string> texts,
                         std::vector<std::int32_t> labels, std::vector<std::string> classNames,
                         const TokenizerOptions& options);

}  // namespace moe::core
