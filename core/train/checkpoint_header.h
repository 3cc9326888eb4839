#pragma once
/** @file The header keys a session checkpoint must have, checked before a session changes:
 *  a missing key, another type or a value out of range is refused naming the key. */
#include <string>

#include <nlohmann/json.hpp>

namespace moe::core {

/** A session checkpoint's header (Session::save writes it; Session::load reads it). */
struct CheckpointHeader {
  long features = 0;        ///< input width of the data it was trained on
  long classes = 0;         ///< classes of that data
  long step = 0;            ///< training steps taken
  long epoch = 0;           ///< epochs finished
  long cursor = 0;          ///< position in the current epoch (older files: 0)
  long optimizerSteps = 0;  ///< the optimizer's step count (Adam's bias correction)
  nlohmann::json config;    ///< the run's settings (an object)
};

/**
 * Checks and reads the header of a checkpoint read from `path`: "format" must be
 * "moe-explorer-checkpoint", the counts whole non-negative numbers (features, classes and
 * epoch within int), "config" an object; "cursor" may be missing.
 * @throws CheckpointError naming the path and the key.
 */
CheckpointHeader parseCheckpointHeader(const nlohmann::json& meta, const std::string& path);

}  // namespace moe::core
