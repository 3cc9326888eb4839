#pragma once
// Shared by the fuzz targets: the fuzzer's bytes as files (the readers take paths), in a
// per-process scratch folder under $TMPDIR (tmpfs /dev/shm when present: no disk writes).
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>

namespace moe::fuzz {

/** This process's scratch folder, created on first use. */
inline const std::string& scratchDir() {
  static const std::string dir = [] {
    std::error_code ec;
    const char* tmp = std::getenv("TMPDIR");
    std::string base = tmp && *tmp ? tmp : (std::filesystem::is_directory("/dev/shm", ec) ? "/dev/shm" : "/tmp");
    std::string d = base + "/moe-fuzz-" + std::to_string(::getpid());
    std::filesystem::create_directories(d, ec);
    return d;
  }();
  return dir;
}

/** Writes bytes to scratchDir()/name (folders created) and returns the path. */
inline std::string writeScratch(const std::string& name, std::string_view bytes) {
  const std::string path = scratchDir() + "/" + name;
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), std::streamsize(bytes.size()));
  return path;
}

/** The input as text. */
inline std::string_view asText(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/** Splits the input at the first "\n----\n" into two files' contents (the second may be empty). */
inline std::pair<std::string_view, std::string_view> splitTwo(std::string_view in) {
  constexpr std::string_view kSep = "\n----\n";
  const std::size_t at = in.find(kSep);
  if (at == std::string_view::npos) return {in, {}};
  return {in.substr(0, at), in.substr(at + kSep.size())};
}

}  // namespace moe::fuzz
