#pragma once
/** @file Whole-file reads shared by the loaders (plain or gzip, transparently). */
#include <string>

namespace moe::core {

/**
 * Reads a whole file into memory. Gzip-compressed files are decompressed on the fly (zlib reads
 * plain files unchanged), in large chunks.
 * @throws DataError naming the file when it cannot be opened or its gzip stream is corrupt or
 *         truncated.
 */
std::string readWholeFile(const std::string& path);

/** True when path names an existing regular file (following symlinks). */
bool isRegularFile(const std::string& path);

/** Joins a directory and a file name with one '/'. */
std::string joinPath(const std::string& dir, const std::string& name);

}  // namespace moe::core
