#include "core/train/checkpoint.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>

#include "core/train/binary_file.h"

namespace moe::core {

namespace {

constexpr char kMagic[8] = {'M', 'O', 'E', 'X', 'C', 'K', 'P', 'T'};
constexpr std::uint32_t kVersion = 1;

template <typename T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof(T));
}

template <typename T>
T take(const std::string& in, std::size_t& pos, const std::string& path) {
  if (pos + sizeof(T) > in.size()) throw CheckpointError("'" + path + "' is truncated");
  T v;
  std::memcpy(&v, in.data() + pos, sizeof(T));
  pos += sizeof(T);
  return v;
}

std::uint32_t crcOf(const char* data, std::size_t n) {
  return std::uint32_t(crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(data), uInt(n)));
}

constexpr std::size_t kPrefix = sizeof(kMagic) + 4 + 8;  // magic, version, header size

// The file size the header declares (at least prefix + header + checksum when the header itself
// is cut short); 0 when the header cannot tell.
std::size_t declaredSize(const std::string& blob) {
  std::uint64_t headerSize;
  std::memcpy(&headerSize, blob.data() + sizeof(kMagic) + 4, 8);
  if (headerSize > (std::uint64_t(1) << 32)) return 0;
  std::size_t total = kPrefix + std::size_t(headerSize) + 4;
  if (total > blob.size()) return total;
  try {
    const auto meta = nlohmann::json::parse(blob.substr(kPrefix, std::size_t(headerSize)));
    for (const auto& t : meta.at("tensors")) {
      if (!t.at(1).is_number_integer() || !t.at(2).is_number_integer()) return 0;
      const auto rows = t.at(1).get<std::int64_t>(), cols = t.at(2).get<std::int64_t>();
      if (rows < 0 || cols < 0 || rows > (1 << 30) || cols > (1 << 30)) return 0;
      std::size_t bytes = 0;
      if (__builtin_mul_overflow(std::size_t(rows) * std::size_t(cols), sizeof(float), &bytes) ||
          __builtin_add_overflow(total, bytes, &total))
        return 0;
    }
  } catch (const nlohmann::json::exception&) {
    return 0;
  }
  return total;
}

}  // namespace

void writeCheckpoint(const std::string& path, const Checkpoint& cp) {
  nlohmann::json meta = cp.meta;
  meta["tensors"] = nlohmann::json::array();
  for (const auto& t : cp.tensors) meta["tensors"].push_back({t.name, t.rows, t.cols});
  const std::string header = meta.dump();
  std::string blob(kMagic, sizeof(kMagic));
  put(blob, kVersion);
  put(blob, std::uint64_t(header.size()));
  blob += header;
  for (const auto& t : cp.tensors)
    blob.append(reinterpret_cast<const char*>(t.data.data()), t.data.size() * sizeof(float));
  put(blob, crcOf(blob.data(), blob.size()));

  writeFileDurably<CheckpointError>(path, blob, "checkpoint file");
}

Checkpoint readCheckpoint(const std::string& path) {
  const std::string blob = readBinaryFile<CheckpointError>(path, "checkpoint file");
  if (blob.empty()) throw CheckpointError("'" + path + "' is empty");
  if (std::memcmp(blob.data(), kMagic, std::min(blob.size(), sizeof(kMagic))) != 0)
    throw CheckpointError("'" + path + "' is not a MoE Explorer checkpoint (bad magic)");
  if (blob.size() < kPrefix + 4)
    throw CheckpointError("'" + path + "' is truncated (" + std::to_string(blob.size()) + " bytes)");
  std::uint32_t stored;
  std::memcpy(&stored, blob.data() + blob.size() - 4, 4);
  if (crcOf(blob.data(), blob.size() - 4) != stored) {
    // Tell a file cut short (an interrupted copy or download) from one with changed bytes.
    const std::size_t declared = declaredSize(blob);
    if (declared > blob.size())
      throw CheckpointError("'" + path + "' is truncated (" + std::to_string(blob.size()) +
                            " of " + std::to_string(declared) + " bytes)");
    throw CheckpointError("'" + path + "' is corrupt (checksum mismatch)");
  }
  std::size_t pos = sizeof(kMagic);
  const auto version = take<std::uint32_t>(blob, pos, path);
  if (version != kVersion)
    throw CheckpointError("'" + path + "' has checkpoint version " + std::to_string(version) +
                          "; this build reads version " + std::to_string(kVersion));
  const auto headerSize = take<std::uint64_t>(blob, pos, path);
  if (headerSize > blob.size() - pos - 4) throw CheckpointError("'" + path + "' is truncated");
  Checkpoint cp;
  try {
    cp.meta = nlohmann::json::parse(blob.substr(pos, std::size_t(headerSize)));
    pos += std::size_t(headerSize);
    for (const auto& t : cp.meta.at("tensors")) {
      // Shapes are whole numbers in int's range: a float or a huge value is refused, not cast.
      for (const int i : {1, 2})
        if (!t.at(i).is_number_integer() || t.at(i).get<std::int64_t>() < 0 ||
            t.at(i).get<std::int64_t>() > std::numeric_limits<int>::max() ||
            (t.at(i).is_number_unsigned() &&
             t.at(i).get<std::uint64_t>() > std::uint64_t(std::numeric_limits<int>::max())))
          throw CheckpointError("'" + path + "' has an invalid tensor shape " + t.dump());
      CheckpointTensor ct{t.at(0).get<std::string>(), t.at(1).get<int>(), t.at(2).get<int>(), {}};
      const std::size_t n = std::size_t(ct.rows) * std::size_t(ct.cols);  // < 2^62: no overflow
      if (n > (blob.size() - 4 - pos) / sizeof(float))
        throw CheckpointError("'" + path + "' is truncated in tensor '" + ct.name + "'");
      ct.data.resize(n);
      if (n > 0) std::memcpy(ct.data.data(), blob.data() + pos, n * sizeof(float));
      pos += n * sizeof(float);
      cp.tensors.push_back(std::move(ct));
    }
  } catch (const nlohmann::json::exception& e) {
    throw CheckpointError("'" + path + "' has a malformed header: " + e.what());
  }
  if (pos != blob.size() - 4) throw CheckpointError("'" + path + "' has trailing data");
  return cp;
}

}  // namespace moe::core
