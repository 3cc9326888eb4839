#pragma once
/** @file Checkpoint files: a JSON header plus named float tensors, CRC-protected, written
 *  atomically (temporary file, fsync, rename) so a crash never leaves a half-written file. */
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace moe::core {

/** A checkpoint could not be written, or a file is not a valid checkpoint. */
class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CheckpointTensor {
  std::string name;
  int rows = 0;
  int cols = 0;
  std::vector<float> data;
};

struct Checkpoint {
  nlohmann::json meta;  ///< config, step, epoch, optimizer step count, ...
  std::vector<CheckpointTensor> tensors;
};

/** Writes atomically; throws CheckpointError naming the path and the OS error. */
void writeCheckpoint(const std::string& path, const Checkpoint& checkpoint);
/** Reads and verifies magic, version, sizes and CRC; throws CheckpointError saying why not. */
Checkpoint readCheckpoint(const std::string& path);

}  // namespace moe::core
