#pragma once
/** @file The one structure every router produces and every consumer (experts, analysis, UI)
 *  reads. */
#include <cstdint>
#include <vector>

namespace moe::core {

/**
 * Where each row of a batch goes, and how expert outputs come back.
 *
 * Slots are the packed expert inputs: expert e processes slots [offsets[e], offsets[e+1]).
 *
 * Dispatch (what a slot's input is) has two forms:
 *  - one row per slot (every router today, the fast path): slot s's input is batch row
 *    slotRow[s]; slotGate[s] is that row's gate for the slot and slotRank[s] which of the
 *    row's choices it is. slotIn* are empty.
 *  - weighted (Soft MoE): slot s's input is sum_{j in [slotInPtr[s], slotInPtr[s+1])}
 *    slotInWeights[j] * x[slotInRows[j]], a mix of rows. slotInPtr has slots + 1 entries.
 *    slotRow[s] is then the row of the largest weight (for displays), slotRank[s] = 0, and
 *    slotGate[s] = 0 (a slot serves many rows; its gates are in the combine view).
 *
 * Combine (how a row's output is formed) has one form for both: the CSR view rowPtr /
 * rowSlots / rowGates / rowExperts lists, for each batch row, the slots whose outputs are
 * summed into it with their gates (first choice first), so combine needs no atomics. With
 * one-row slots every slot appears exactly once in it (rowSlots.size() == slots()); with
 * weighted slots a slot may serve many rows (Soft MoE combines every slot into every row).
 * Analyses (load, class x expert counts, the inspectors) read offsets and this view, so they
 * hold for either dispatch form.
 *
 * A row with no slot in the combine view (dropped by a full Switch expert, or chosen by no
 * expert under Expert Choice) receives a zero MoE output: the classifier then predicts from
 * zero logits (uniform), while the StemMoe model's residual connection passes the row through
 * unchanged.
 */
struct DispatchPlan {
  int rows = 0;
  int experts = 0;
  std::vector<int> offsets;              ///< experts + 1
  std::vector<std::int32_t> slotRow;     ///< batch row of each slot (largest weight if mixed)
  std::vector<float> slotGate;           ///< gate weight of each one-row slot
  std::vector<std::int32_t> slotRank;    ///< which of the row's choices (0 = first) the slot is
  std::vector<std::int32_t> slotInPtr;   ///< weighted dispatch: slots + 1, else empty
  std::vector<std::int32_t> slotInRows;  ///< weighted dispatch: rows mixed into each slot
  std::vector<float> slotInWeights;      ///< weighted dispatch: their weights
  std::vector<std::int32_t> rowPtr;      ///< rows + 1
  std::vector<std::int32_t> rowSlots;    ///< slot ids per row, in rank order
  std::vector<float> rowGates;           ///< gate of each rowSlots entry (same order)
  std::vector<std::int32_t> rowExperts;  ///< expert of each rowSlots entry (same order)
  /** Empty, or per rowSlots entry the part of p(row, expert) its gate is (rowGates = p x share):
   *  Soft MoE with several slots per expert splits an expert's gate among its slots. */
  std::vector<float> rowShares;
  std::vector<std::int32_t> dropped;     ///< rows that wanted an expert but lost it to capacity
  std::vector<std::int32_t> unrouted;    ///< rows that received no expert at all

  int slots() const { return int(slotRow.size()); }
  int load(int e) const { return offsets[std::size_t(e) + 1] - offsets[std::size_t(e)]; }
  /** True when slots are weighted mixes of rows (slotIn* are set). */
  bool weighted() const { return !slotInPtr.empty(); }
};

}  // namespace moe::core
