#include "core/data/fileio.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>

#include "core/data/dataset.h"

namespace moe::core {

std::string readWholeFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw DataError(path + ": is a folder, not a file");
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw DataError(path + ": cannot open (" + std::strerror(errno) + ")");
  gzbuffer(f, 1u << 20);  // zlib's default 8 KiB input buffer costs a third of the decode time
  std::string data;
  const auto size = std::filesystem::file_size(path, ec);
  // A plain file's size is the final size; a gzip file grows, start at its compressed size * 4.
  data.reserve(ec ? std::size_t(1) << 20 : std::size_t(size) * 4 + 1024);
  constexpr unsigned kChunk = 8u << 20;
  for (;;) {
    const std::size_t old = data.size();
    data.resize(old + kChunk);
    const int got = gzread(f, data.data() + old, kChunk);
    if (got < 0) {
      int err = 0;
      const std::string msg = gzerror(f, &err);
      gzclose(f);
      throw DataError(path + ": corrupt or truncated gzip stream (" + msg + ")");
    }
    data.resize(old + std::size_t(got));
    if (got == 0) break;
  }
  int err = 0;
  const char* msg = gzerror(f, &err);
  if (err != Z_OK) {
    const std::string text = msg ? msg : "zlib error";
    gzclose(f);
    throw DataError(path + ": corrupt or truncated gzip stream (" + text + ")");
  }
  gzclose(f);
  return data;
}

bool isRegularFile(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

std::string joinPath(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

}  // namespace moe::core
