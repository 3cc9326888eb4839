#pragma once
/** @file What a run will allocate, known before it allocates: parameters, gradients and
 *  optimizer state, activations, the dataset. Session building refuses a config that needs
 *  more than the machine has ("needs 13.2 GB, 9.8 GB available"); the setup panel shows the
 *  estimate before Apply. */
#include <cstdint>
#include <optional>
#include <string>

#include "core/data/dataset.h"
#include "core/train/config.h"

namespace moe::core {

/** A config needs more memory than is available. what() has the estimate and the memory. */
class MemoryBudgetError : public ConfigError {
 public:
  using ConfigError::ConfigError;
};

/** The sizes of the data a model is built for (taken from loaded splits, see shapeOf). */
struct DataShape {
  DataKind kind = DataKind::Dense;
  long features = 0;       ///< Dense: floats per row
  long classes = 0;        ///< classification tasks
  long users = 0;          ///< Ratings
  long items = 0;          ///< Ratings: items + genres (the item embedding's rows)
  double rowsPerSample = 1.0;  ///< Tokens: mean tokens per text (the MoE's rows per sample)
  double bytes = 0.0;      ///< what the loaded splits occupy
};

/** The shape of loaded splits (the training split's sizes, all splits' bytes). */
DataShape shapeOf(const DataSplits& data);

/** Bytes a run will hold, by part. */
struct MemoryEstimate {
  double parameters = 0.0;   ///< number of trainable parameters
  double parameterBytes = 0.0;
  double optimizerBytes = 0.0;   ///< gradients and the optimizer's state
  double activationBytes = 0.0;  ///< the largest batch's forward and backward buffers
  double dataBytes = 0.0;        ///< the dataset, already loaded when the check runs
  /** What building the session still allocates (everything but the data). */
  double toAllocate() const { return parameterBytes + optimizerBytes + activationBytes; }
  double total() const { return toAllocate() + dataBytes; }
  /** "1.2 GB (parameters 0.3 GB, optimizer state 0.6 GB, activations 0.1 GB, data 0.2 GB)". */
  std::string describe() const;
};

/** The estimate for config on data of this shape. Uses no memory; does not validate. */
MemoryEstimate estimateMemory(const TrainConfig& config, const DataShape& shape);

/**
 * Memory the run may still take, in bytes: MOE_MEMORY_AVAILABLE when set (bytes, or a number
 * with a k/M/G/T suffix, powers of 1000: "9.8G"), else MemAvailable from /proc/meminfo.
 * std::nullopt when neither is known (no check is made then).
 * @throws ConfigError when MOE_MEMORY_AVAILABLE is set but is not such a number.
 */
std::optional<double> availableMemoryBytes();

/** Bytes as "13.2 GB" (powers of 1000, one decimal; MB below 1 GB, kB below 1 MB). */
std::string formatBytes(double bytes);

/**
 * Refuses config when what it still allocates exceeds the available memory.
 * @returns a warning when it takes more than 80% of it (empty otherwise).
 * @throws MemoryBudgetError "needs 13.2 GB (parameters ...), 9.8 GB available; ...".
 */
std::string checkMemoryBudget(const TrainConfig& config, const DataShape& shape);

}  // namespace moe::core
