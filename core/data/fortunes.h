#pragma once
/** @file Language identification corpus from Debian's fortunes packages. */
#include <string>
#include <string_view>
#include <vector>

#include "core/data/text_corpus.h"

namespace moe::core {

/** Where fortune-mod's data files live on Debian. */
inline constexpr const char* kFortunesRoot = "/usr/share/games/fortunes";

/** One language of the corpus and where its package installs its files, relative to the root. */
struct FortuneLanguage {
  std::string code;                  ///< class name: ISO 639-1 code
  std::string name;                  ///< English name of the language
  std::string package;               ///< Debian package
  std::string folder;                ///< folder under the root ("" for the root itself)
  std::vector<std::string> files;    ///< files to read; empty: every data file in folder
  std::vector<std::string> exclude;  ///< files of folder to leave out
};

/**
 * The nine languages, from what the packages install (dpkg -L): English is fortunes and
 * fortunes-min at the root, listed by name because fortunes-it and fortunes-br also put files
 * (or symlinks) there; the others are folders. Left out: the offensive off/ folders, .dat
 * indexes, .u8 links, ASCII-art files, and fortunes-cs's Slovak klasik-sk.
 */
const std::vector<FortuneLanguage>& fortuneLanguages();

/** One record of a fortune file and the line it starts on (1-based). */
struct FortuneRecord {
  int line = 0;
  std::string text;
};

/**
 * Splits a fortune file into records separated by lines that are exactly "%" (a trailing CR
 * is ignored, CRLF becomes LF). Records are returned untrimmed, including empty ones.
 */
std::vector<FortuneRecord> splitFortuneRecords(std::string_view content);

/**
 * Reads every language's files under root into a corpus (label = index in fortuneLanguages()).
 * Invalid UTF-8 records are counted and reported with FILE:LINE; duplicates and empty records
 * are dropped.
 * @throws DataError when a language has no files under root.
 */
TextCorpus readFortunesCorpus(const std::string& root = kFortunesRoot);

}  // namespace moe::core
