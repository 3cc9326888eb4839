#pragma once
// The consistency check of a DispatchPlan's views, shared by the routing suites (test_routers:
// every registered router's plans; test_routing_stats: handmade plans).
#include <QString>

#include <cstdint>
#include <set>
#include <vector>

#include "core/routing/dispatch_plan.h"

namespace moe::testing {

/** Checks that every view of the plan tells the same story; returns "" or what is wrong. */
inline QString planProblem(const core::DispatchPlan& p) {
  const int E = p.experts, R = p.rows, S = p.slots();
  if (int(p.offsets.size()) != E + 1 || p.offsets[0] != 0 || p.offsets[std::size_t(E)] != S)
    return "offsets do not span the slots";
  for (int e = 0; e < E; ++e)
    if (p.offsets[std::size_t(e) + 1] < p.offsets[std::size_t(e)]) return "offsets decrease";
  if (p.slotGate.size() != std::size_t(S) || p.slotRank.size() != std::size_t(S))
    return "slot arrays differ in size";
  if (p.weighted()) {  // every slot mixes rows with weights; the combine view may reuse slots
    if (int(p.slotInPtr.size()) != S + 1 || p.slotInPtr[0] != 0 ||
        p.slotInPtr[std::size_t(S)] != int(p.slotInRows.size()) ||
        p.slotInRows.size() != p.slotInWeights.size())
      return "slotIn arrays do not span the slots";
    for (std::int32_t r : p.slotInRows)
      if (r < 0 || r >= R) return "slotInRows out of range";
    if (int(p.rowPtr.size()) != R + 1 || p.rowPtr[0] != 0 ||
        p.rowPtr[std::size_t(R)] != int(p.rowSlots.size()) ||
        p.rowGates.size() != p.rowSlots.size() || p.rowExperts.size() != p.rowSlots.size())
      return "the combine view does not span its links";
    for (std::size_t j = 0; j < p.rowSlots.size(); ++j) {
      const int s = p.rowSlots[j];
      if (s < 0 || s >= S) return "rowSlots out of range";
      if (s < p.offsets[std::size_t(p.rowExperts[j])] || s >= p.offsets[std::size_t(p.rowExperts[j]) + 1])
        return "experts disagree";
    }
    return {};
  }
  if (p.rowSlots.size() != std::size_t(S) || p.rowGates.size() != std::size_t(S) ||
      p.rowExperts.size() != std::size_t(S))
    return "combine arrays differ in size from the slots";
  if (int(p.rowPtr.size()) != R + 1 || p.rowPtr[0] != 0 || p.rowPtr[std::size_t(R)] != S)
    return "rowPtr does not span the slots";
  std::vector<int> expertOfSlot(std::size_t(S), -1);
  for (int e = 0; e < E; ++e)
    for (int s = p.offsets[std::size_t(e)]; s < p.offsets[std::size_t(e) + 1]; ++s) {
      expertOfSlot[std::size_t(s)] = e;
      if (s > p.offsets[std::size_t(e)] && p.slotRow[std::size_t(s)] <= p.slotRow[std::size_t(s) - 1])
        return QString("expert %1's rows are not ascending").arg(e);
    }
  std::vector<int> seen(std::size_t(S), 0);
  std::vector<std::int32_t> unrouted;
  for (int r = 0; r < R; ++r) {
    if (p.rowPtr[std::size_t(r) + 1] < p.rowPtr[std::size_t(r)]) return "rowPtr decreases";
    if (p.rowPtr[std::size_t(r) + 1] == p.rowPtr[std::size_t(r)]) unrouted.push_back(r);
    std::set<int> experts;
    for (int j = p.rowPtr[std::size_t(r)]; j < p.rowPtr[std::size_t(r) + 1]; ++j) {
      const int s = p.rowSlots[std::size_t(j)];
      if (s < 0 || s >= S) return "rowSlots out of range";
      ++seen[std::size_t(s)];
      if (p.slotRow[std::size_t(s)] != r) return QString("slot %1 is not row %2's").arg(s).arg(r);
      if (p.slotGate[std::size_t(s)] != p.rowGates[std::size_t(j)]) return "gates disagree";
      if (expertOfSlot[std::size_t(s)] != p.rowExperts[std::size_t(j)]) return "experts disagree";
      if (p.slotRank[std::size_t(s)] != j - p.rowPtr[std::size_t(r)]) return "ranks disagree";
      if (!experts.insert(p.rowExperts[std::size_t(j)]).second) return "an expert twice in a row";
    }
  }
  for (int s = 0; s < S; ++s)
    if (seen[std::size_t(s)] != 1) return QString("slot %1 referenced %2 times").arg(s).arg(seen[std::size_t(s)]);
  if (unrouted != p.unrouted) return "unrouted list is wrong";
  return {};
}

}  // namespace moe::testing
