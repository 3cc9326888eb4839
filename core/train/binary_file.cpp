#include "core/train/binary_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace moe::core::detail {

std::string readBinaryFile(const std::string& path, const char* kind, std::string& error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    error = "'" + path + "' is a folder, not a " + kind;
    return {};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open '" + path + "': " + std::strerror(errno);
    return {};
  }
  std::string bytes;
  try {  // libstdc++ reports read errors (EIO, ...) by throwing from the stream buffer
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } catch (const std::exception& e) {
    error = "cannot read '" + path + "': " + e.what();
    return {};
  }
  return bytes;
}

void writeFileDurably(const std::string& path, std::string_view bytes, const char* kind,
                      std::string& error) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) {
    error = "cannot write '" + tmp + "': " + std::strerror(errno);
    return;
  }
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size() &&
                  std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
  const int err = errno;
  std::fclose(f);
  if (!ok) {
    std::remove(tmp.c_str());
    error = "cannot write '" + tmp + "': " + std::strerror(err);
    return;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    std::remove(tmp.c_str());
    error = "cannot move the " + std::string(kind) + " into place at '" + path +
            "': " + std::strerror(e);
  }
}

}  // namespace moe::core::detail
