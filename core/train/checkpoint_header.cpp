#include "core/train/checkpoint_header.h"

#include <cstdint>
#include <limits>

#include "core/train/checkpoint.h"

namespace moe::core {

namespace {

constexpr long kMaxInt = std::numeric_limits<int>::max();

// A whole number in [0, max] from the header: never the JSON library's message, never a cast
// of a fraction or of a value out of range.
long headerCount(const nlohmann::json& meta, const char* key, const std::string& path,
                 long max = std::numeric_limits<long>::max()) {
  const auto it = meta.find(key);
  if (it == meta.end())
    throw CheckpointError("'" + path + "' has no '" + key + "' in its header (not a complete " +
                          "MoE Explorer checkpoint)");
  const bool fits = it->is_number_unsigned()  ? it->get<std::uint64_t>() <= std::uint64_t(max)
                    : it->is_number_integer() ? it->get<std::int64_t>() >= 0 &&
                                                    it->get<std::int64_t>() <= max
                                              : false;
  if (!fits)
    throw CheckpointError("'" + path + "': header key '" + key + "' must be a whole number in 0.." +
                          std::to_string(max) + ", not " + it->dump());
  return long(it->get<std::int64_t>());
}

}  // namespace

CheckpointHeader parseCheckpointHeader(const nlohmann::json& meta, const std::string& path) {
  if (!meta.is_object()) throw CheckpointError("'" + path + "' has a header that is not an object");
  const auto format = meta.find("format");
  if (format == meta.end())
    throw CheckpointError("'" + path + "' has no 'format' in its header (not a MoE Explorer " +
                          "session checkpoint)");
  if (*format != "moe-explorer-checkpoint")
    throw CheckpointError("'" + path + "' is not a MoE Explorer session checkpoint ('format' is " +
                          format->dump() + ")");
  CheckpointHeader h;
  h.features = headerCount(meta, "features", path, kMaxInt);
  h.classes = headerCount(meta, "classes", path, kMaxInt);
  h.step = headerCount(meta, "step", path);
  h.epoch = headerCount(meta, "epoch", path, kMaxInt);
  h.cursor = meta.contains("cursor") ? headerCount(meta, "cursor", path) : 0;
  h.optimizerSteps = headerCount(meta, "optimizer_steps", path);
  const auto config = meta.find("config");
  if (config == meta.end() || !config->is_object())
    throw CheckpointError("'" + path + "' has no 'config' object in its header");
  h.config = *config;
  return h;
}

}  // namespace moe::core
