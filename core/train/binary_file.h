#pragma once
/** @file Whole binary files, read as they are and written durably: the one reader and writer of
 *  the formats that check their own bytes (checkpoints, safetensors). Each throws the format's
 *  own error type (the template argument) with a message naming the file and the OS error. */
#include <string>
#include <string_view>

namespace moe::core {

namespace detail {
// The work of the templates below; `error` is empty on success, else the message.
std::string readBinaryFile(const std::string& path, const char* kind, std::string& error);
void writeFileDurably(const std::string& path, std::string_view bytes, const char* kind,
                      std::string& error);
}  // namespace detail

/** Reads the whole file, byte for byte (no decompression, no size limit: the callers' formats
 *  check their declared sizes). `kind` names what the file should be ("checkpoint file").
 *  @throws Error for a folder, a file that cannot be opened, or a read error (EIO, ...). */
template <typename Error>
std::string readBinaryFile(const std::string& path, const char* kind) {
  std::string error;
  std::string bytes = detail::readBinaryFile(path, kind, error);
  if (!error.empty()) throw Error(error);
  return bytes;
}

/** Writes `bytes` to `path` atomically and durably: into PATH.tmp, fsync, then a rename over
 *  the old file, so a crash never leaves a half-written one (the temporary file is removed on
 *  failure). @throws Error naming the path and the OS error. */
template <typename Error>
void writeFileDurably(const std::string& path, std::string_view bytes, const char* kind) {
  std::string error;
  detail::writeFileDurably(path, bytes, kind, error);
  if (!error.empty()) throw Error(error);
}

}  // namespace moe::core
