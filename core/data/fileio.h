#pragma once
/** @file Whole-file reads shared by the loaders (plain or gzip, transparently). */
#include <cstddef>
#include <string>

namespace moe::core {

/** No limit on what readWholeFile reads (binary formats that check their own sizes). */
inline constexpr std::size_t kNoSizeLimit = std::size_t(-1);
/** The most a text or rating file may hold (decompressed): AG News is 30 MB, ml-32m's
 *  ratings.csv 0.9 GB. Larger inputs (or /dev/zero) are refused before memory runs out. */
inline constexpr std::size_t kMaxTextFileBytes = std::size_t(1) << 30;
/** The most a small metadata file (class names, a mapping) may hold. */
inline constexpr std::size_t kMaxMetadataFileBytes = std::size_t(16) << 20;

/**
 * Reads a whole file into memory. Gzip-compressed files are decompressed on the fly (zlib reads
 * plain files unchanged), in large chunks.
 * @param maxBytes the most the (decompressed) content may hold; a plain file larger than that
 *        is refused before reading, a stream or gzip file as soon as it passes the limit.
 * @throws DataError naming the file when it cannot be opened, is larger than maxBytes, or its
 *         gzip stream is corrupt or truncated.
 */
std::string readWholeFile(const std::string& path, std::size_t maxBytes = kNoSizeLimit);

/** True when path names an existing regular file (following symlinks). */
bool isRegularFile(const std::string& path);

/** Joins a directory and a file name with one '/'. */
std::string joinPath(const std::string& dir, const std::string& name);

}  // namespace moe::core
