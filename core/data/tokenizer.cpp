#include "core/data/tokenizer.h"

#include <limits>

#include "core/data/utf8.h"

namespace moe::core {
namespace {

constexpr char32_t kBegin = 0x02;  // word-begin marker, hashed as the byte 0x02
constexpr char32_t kEnd = 0x03;    // word-end marker

struct Unit {
  char32_t cp;
  std::int32_t begin, end;  // bytes in the original text
};

bool isWordChar(char32_t cp) {
  if (cp < 0x80)
    return (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') || cp == '\'' || cp == '-' ||
           cp == '_';
  // Non-ASCII: letters of every script count, except general punctuation and symbols.
  return !(cp >= 0x2000 && cp <= 0x206F) && cp != 0xAB && cp != 0xBB && cp != 0xA0 &&
         !(cp >= 0xA1 && cp <= 0xBF && cp != 0xAA && cp != 0xB5 && cp != 0xBA);
}

// Calls emit(units, first, count) for each token of text, in order, until emit returns false.
template <typename Emit>
void forEachToken(std::string_view text, const TokenizerOptions& o, Emit&& emit) {
  const bool words = o.mode == TokenizerOptions::Mode::Words;
  std::vector<Unit> word;
  std::size_t pos = 0;
  const auto flush = [&]() -> bool {
    if (word.empty()) return true;
    if (words) {
      const bool ok = emit(word, std::size_t(0), word.size());
      word.clear();
      return ok;
    }
    const std::int32_t b = word.front().begin, e = word.back().end;
    word.insert(word.begin(), Unit{kBegin, b, b});
    word.push_back(Unit{kEnd, e, e});
    const int len = int(word.size());
    for (int start = 0; start < len; ++start) {
      for (int n = o.minN; n <= o.maxN && start + n <= len; ++n) {
        if (n == 1 && (start == 0 || start == len - 1)) continue;  // a marker alone
        if (!emit(word, std::size_t(start), std::size_t(n))) return false;
      }
    }
    word.clear();
    return true;
  };
  while (pos < text.size()) {
    const auto begin = std::int32_t(pos);
    const char32_t cp = toLowerCodepoint(decodeUtf8(text, pos));
    const bool inWord = words ? isWordChar(cp) : !isSpaceCodepoint(cp);
    if (inWord) {
      word.push_back(Unit{cp, begin, std::int32_t(pos)});
    } else if (!flush()) {
      return;
    }
  }
  flush();
}

// Hashes units[first, first+count) as UTF-8 and returns the token id and its byte range.
TokenSpan spanOf(const std::vector<Unit>& units, std::size_t first, std::size_t count, int buckets,
                 std::string& scratch) {
  scratch.clear();
  for (std::size_t k = first; k < first + count; ++k) appendUtf8(scratch, units[k].cp);
  TokenSpan s;
  s.id = std::int32_t(fnv1a64(scratch) % std::uint64_t(buckets > 0 ? buckets : 1));
  s.begin = units[first].begin;
  s.end = units[first + count - 1].end;
  return s;
}

}  // namespace

std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

std::vector<TokenSpan> tokenSpans(std::string_view text, const TokenizerOptions& options) {
  std::vector<TokenSpan> out;
  std::string scratch;
  forEachToken(text, options, [&](const std::vector<Unit>& u, std::size_t first, std::size_t n) {
    out.push_back(spanOf(u, first, n, options.buckets, scratch));
    return options.maxTokens <= 0 || int(out.size()) < options.maxTokens;
  });
  return out;
}

std::vector<std::int32_t> tokenize(std::string_view text, const TokenizerOptions& options) {
  std::vector<std::int32_t> out;
  std::string scratch;
  forEachToken(text, options, [&](const std::vector<Unit>& u, std::size_t first, std::size_t n) {
    out.push_back(spanOf(u, first, n, options.buckets, scratch).id);
    return options.maxTokens <= 0 || int(out.size()) < options.maxTokens;
  });
  return out;
}

std::vector<std::string> tokenStrings(std::string_view text, const TokenizerOptions& options) {
  std::vector<std::string> out;
  forEachToken(text, options, [&](const std::vector<Unit>& u, std::size_t first, std::size_t n) {
    std::string s;
    for (std::size_t k = first; k < first + n; ++k) appendUtf8(s, u[k].cp);
    out.push_back(std::move(s));
    return options.maxTokens <= 0 || int(out.size()) < options.maxTokens;
  });
  return out;
}

Dataset makeTokenDataset(std::string name, std::vector<std::string> texts,
                         std::vector<std::int32_t> labels, std::vector<std::string> classNames,
                         const TokenizerOptions& options) {
  Dataset d;
  d.name = std::move(name);
  d.kind = DataKind::Tokens;
  d.features = options.buckets;
  d.classes = int(classNames.size());
  d.classNames = std::move(classNames);
  d.labels = std::move(labels);
  d.tokenOffsets.reserve(texts.size() + 1);
  d.tokenOffsets.push_back(0);
  for (const std::string& t : texts) {
    const std::vector<std::int32_t> ids = tokenize(t, options);
    d.tokens.insert(d.tokens.end(), ids.begin(), ids.end());
    // Offsets are 32-bit: refuse a corpus whose token count they cannot index.
    if (d.tokens.size() > std::size_t(std::numeric_limits<std::int32_t>::max()))
      throw DataError(d.name + ": more than 2^31 tokens (" + std::to_string(texts.size()) +
                      " texts); use fewer texts or a narrower n-gram range");
    d.tokenOffsets.push_back(std::int32_t(d.tokens.size()));
  }
  d.texts = std::move(texts);
  return d;
}

}  // namespace moe::core
