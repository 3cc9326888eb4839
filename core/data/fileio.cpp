#include "core/data/fileio.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "core/data/dataset.h"

namespace moe::core {

namespace {

// The decompressed size to reserve: a gzip file's ISIZE trailer (size mod 2^32), else the size.
std::size_t expectedSize(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return std::size_t(1) << 20;
  std::ifstream in(path, std::ios::binary);
  unsigned char head[2] = {0, 0}, tail[4] = {0, 0, 0, 0};
  in.read(reinterpret_cast<char*>(head), 2);
  if (size < 18 || head[0] != 0x1f || head[1] != 0x8b) return std::size_t(size) + 65536;
  in.seekg(std::streamoff(size - 4));
  in.read(reinterpret_cast<char*>(tail), 4);
  const std::size_t isize = std::size_t(tail[0]) | std::size_t(tail[1]) << 8 |
                            std::size_t(tail[2]) << 16 | std::size_t(tail[3]) << 24;
  // A truncated or multi-member file has a meaningless trailer: cap what we trust.
  return std::min(std::max(isize, std::size_t(size)), std::size_t(size) * 64) + 65536;
}

}  // namespace

std::string readWholeFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw DataError(path + ": is a folder, not a file");
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw DataError(path + ": cannot open (" + std::strerror(errno) + ")");
  gzbuffer(f, 1u << 20);  // zlib's default 8 KiB input buffer costs a third of the decode time
  std::string data;
  data.reserve(expectedSize(path));
  constexpr unsigned kChunk = 8u << 20;
  for (;;) {
    const std::size_t old = data.size();
    // Read into the reserved room first, so that the exact reservation never reallocates.
    const std::size_t room = data.capacity() - old;
    const auto want = unsigned(room > 0 ? std::min<std::size_t>(room, kChunk) : kChunk);
    data.resize(old + want);
    const int got = gzread(f, data.data() + old, want);
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
