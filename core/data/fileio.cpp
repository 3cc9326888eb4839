#include "core/data/fileio.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "core/data/dataset.h"
#include "compute/huge_pages.h"

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

std::string limitText(std::size_t bytes) {
  return bytes >= (std::size_t(1) << 30) ? std::to_string(bytes >> 30) + " GiB"
                                         : std::to_string(bytes >> 20) + " MiB";
}

[[noreturn]] void tooLarge(const std::string& path, std::size_t maxBytes, const std::string& size) {
  throw DataError(path + ": " + size + ", more than the " + limitText(maxBytes) +
                  " limit of this reader; use a smaller file (a sample of its lines)");
}

bool isGzip(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char head[2] = {0, 0};
  in.read(reinterpret_cast<char*>(head), 2);
  return head[0] == 0x1f && head[1] == 0x8b;
}

}  // namespace

std::string readWholeFile(const std::string& path, std::size_t maxBytes) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw DataError(path + ": is a folder, not a file");
  if (maxBytes != kNoSizeLimit && std::filesystem::is_regular_file(path, ec)) {
    // A plain file's size is known: refuse it before reading a byte.
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > maxBytes && !isGzip(path))
      tooLarge(path, maxBytes, "a file of " + std::to_string(size) + " bytes");
  }
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw DataError(path + ": cannot open (" + std::strerror(errno) + ")");
  // zlib's default 8 KiB input buffer costs a third of a large file's decode time; small files
  // (metadata, a fuzzer's inputs) need no more than their size.
  std::error_code sizeError;
  const auto onDisk = std::filesystem::file_size(path, sizeError);
  gzbuffer(f, unsigned(sizeError ? 1u << 20 : std::clamp<std::uintmax_t>(onDisk, 1u << 13, 1u << 20)));
  std::string data;
  data.reserve(std::min(expectedSize(path), maxBytes == kNoSizeLimit ? maxBytes : maxBytes + 1));
  compute::adviseHugePages(data.data(), data.capacity());
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
    if (data.size() > maxBytes) {
      gzclose(f);
      tooLarge(path, maxBytes, "its content passes " + std::to_string(maxBytes) + " bytes");
    }
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
