#pragma once
/** @file Small UTF-8 helpers for the text loaders and the tokenizer. */
#include <cstddef>
#include <string>
#include <string_view>

namespace moe::core {

/** True when text is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
bool isValidUtf8(std::string_view text);

/**
 * Decodes the code point starting at text[pos] and advances pos past it. The text must be valid
 * UTF-8 (check with isValidUtf8 first).
 */
char32_t decodeUtf8(std::string_view text, std::size_t& pos);

/** Appends the UTF-8 encoding of cp to out. */
void appendUtf8(std::string& out, char32_t cp);

/**
 * Lower-cases a code point for the scripts of the bundled corpora: ASCII, Latin-1, Latin
 * Extended-A, Greek and Cyrillic. Other code points are returned unchanged.
 */
char32_t toLowerCodepoint(char32_t cp);

/** True for ASCII whitespace and the Unicode spaces U+00A0, U+2000..U+200B, U+3000. */
bool isSpaceCodepoint(char32_t cp);

/** The text without leading and trailing ASCII whitespace. */
std::string_view trimAscii(std::string_view text);

}  // namespace moe::core
