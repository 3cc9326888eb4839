#include "core/train/output_check.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/train/config.h"

namespace moe::core {

void checkOutputFile(const std::string& path, const std::string& what) {
  namespace fs = std::filesystem;
  const auto fail = [&](const std::string& why) {
    throw ConfigError(what + ": cannot write '" + path + "': " + why);
  };
  if (path.empty()) fail("the path is empty");
  std::error_code ec;
  const fs::path p(path);
  if (fs::is_directory(p, ec)) fail("it is a folder; name a file in it");
  const fs::path parent = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (!fs::exists(parent, ec)) fail("the folder '" + parent.string() + "' does not exist");
  if (!fs::is_directory(parent, ec)) fail("'" + parent.string() + "' is not a folder");
  // Checkpoints are written to PATH.tmp and renamed: the folder itself must be writable.
  if (::access(parent.c_str(), W_OK | X_OK) != 0)
    fail("the folder '" + parent.string() + "' is not writable (" + std::strerror(errno) + ")");
  if (fs::exists(p, ec) && ::access(p.c_str(), W_OK) != 0)
    fail(std::string("the file exists and is not writable (") + std::strerror(errno) + ")");
}

}  // namespace moe::core
