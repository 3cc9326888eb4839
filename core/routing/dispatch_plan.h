#pragma once
/** @file The one structure every router produces and every consumer (experts, analysis, UI)
 *  reads. */
#include <cstdint>
#include <vector>

namespace moe::core {

/**
 * Where each row of a batch goes. Slots are the packed expert inputs: expert e processes
 * slots [offsets[e], offsets[e+1]); slot s holds batch row slotRow[s] with gate weight
 * slotGate[s]. The CSR view (rowPtr, rowSlots) lists, for each batch row, the slots whose
 * outputs are combined into it, so combine needs no atomics.
 *
 * A row with no slot (dropped by a full Switch expert, or chosen by no expert under Expert
 * Choice) receives a zero MoE output: the classifier then predicts from zero logits (uniform),
 * while the StemMoe model's residual connection passes the row through unchanged.
 */
struct DispatchPlan {
  int rows = 0;
  int experts = 0;
  std::vector<int> offsets;             ///< experts + 1
  std::vector<std::int32_t> slotRow;    ///< batch row of each slot
  std::vector<float> slotGate;          ///< gate weight of each slot
  std::vector<std::int32_t> slotRank;   ///< which of the row's choices (0 = first) the slot is
  std::vector<std::int32_t> rowPtr;     ///< rows + 1
  std::vector<std::int32_t> rowSlots;   ///< slot ids per row, in rank order
  std::vector<float> rowGates;          ///< gate of each rowSlots entry (same order)
  std::vector<std::int32_t> rowExperts; ///< expert of each rowSlots entry (same order)
  std::vector<std::int32_t> dropped;    ///< rows that wanted an expert but lost it to capacity
  std::vector<std::int32_t> unrouted;   ///< rows that received no expert at all

  int slots() const { return int(slotRow.size()); }
  int load(int e) const { return offsets[std::size_t(e) + 1] - offsets[std::size_t(e)]; }
};

}  // namespace moe::core
