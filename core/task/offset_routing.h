#pragma once
/** @file Translated images (shifted:*): which experts the images at each offset went to. */
#include <cstdint>
#include <vector>

#include "core/data/dataset.h"
#include "core/train/metrics.h"

namespace moe::core {

/** Fills report.offsets, offsetExpert (offset cell x expert over every chosen expert, from
 *  report.topExperts) and offsetMutualInformation (I(offset cell; first-choice expert), bits)
 *  for data with offset cells (Dataset::offsetGrid > 0); `firstExpert` is each row's first
 *  choice (-1: none, not counted). Leaves the report as it is for other data. */
void offsetAnalysis(const Dataset& data, const std::vector<std::int32_t>& firstExpert,
                    EvalReport& report);

}  // namespace moe::core
