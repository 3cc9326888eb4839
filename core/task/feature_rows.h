#pragma once
// The device copies of a dense dataset's splits, and the gathering of chosen rows from them:
// shared by the tasks whose inputs are feature rows (images, toy points).
#include <array>
#include <cstdint>
#include <span>

#include "compute/backend.h"
#include "core/model/parameter.h"
#include "core/task/task.h"

namespace moe::core {

class FeatureRows {
 public:
  /** Uploads the features of the train, validation and test splits (an empty split: none). */
  FeatureRows(compute::Backend& backend, const DataSplits& data);

  /** The rows of split s, in order, in a scratch tensor reused by the next call (batches). */
  compute::Tensor gather(Split s, std::span<const std::int32_t> rows, int features);
  /** One test row in a tensor of its own (the inspector's: it outlives later batches). */
  compute::Tensor gatherTestRow(int testIndex, int features);

 private:
  compute::Backend& mBackend;
  std::array<compute::Tensor, 3> mX;  ///< device features per Split
  Scratch mIdx, mXS;
};

}  // namespace moe::core
