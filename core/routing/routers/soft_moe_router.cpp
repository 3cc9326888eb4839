#include "core/routing/routers/soft_moe_router.h"

#include <algorithm>
#include <cmath>

namespace moe::core {

RouterInfo SoftMoeRouter::describe() {
  return {"soft-moe",
          "each expert's slot a softmax-weighted mix of a sequence's rows, each row a "
          "softmax-weighted mix of the slots; nothing dropped (Puigcerver et al. 2023)",
          {},
          false,
          [](const RouterSettings&, int experts) { return experts; }};
}

const RouterInfo& SoftMoeRouter::info() const {
  static const RouterInfo i = describe();
  return i;
}

void SoftMoeRouter::choose(const RouterInput& in, const std::vector<float>& p, RouterChoices& out) {
  const int E = in.experts;
  for (int r = 0; r < in.rows; ++r) {
    const float* pr = &p[std::size_t(r) * E];
    for (int e : topIndices(pr, E, E)) out.rows[std::size_t(r)].push_back({e, pr[e]});
  }
}

bool SoftMoeRouter::buildPlan(const RouterInput& in, const std::vector<float>& p,
                              DispatchPlan& plan) {
  const int R = in.rows, E = in.experts;
  mSeqPtr.assign(1, 0);
  for (int r = 1; r < R; ++r)
    if (!in.positions || in.positions[r] <= in.positions[r - 1]) mSeqPtr.push_back(r);
  if (R > 0) mSeqPtr.push_back(R);
  const int S = int(mSeqPtr.size()) - 1;
  plan = DispatchPlan{};
  plan.rows = R;
  plan.experts = E;
  plan.offsets.resize(std::size_t(E) + 1);
  for (int e = 0; e <= E; ++e) plan.offsets[std::size_t(e)] = e * S;
  // Dispatch: slot e * S + q mixes the rows of sequence q by a softmax over them of X[., e].
  plan.slotInPtr.assign(1, 0);
  for (int e = 0; e < E; ++e)
    for (int q = 0; q < S; ++q) {
      const int b = mSeqPtr[std::size_t(q)], t = mSeqPtr[std::size_t(q) + 1];
      float mx = -INFINITY;
      for (int r = b; r < t; ++r) mx = std::max(mx, in.logits[std::size_t(r) * E + e]);
      double sum = 0.0;
      for (int r = b; r < t; ++r) sum += std::exp(double(in.logits[std::size_t(r) * E + e] - mx));
      int best = b;
      float bestW = -1.0f;
      for (int r = b; r < t; ++r) {
        const float w = float(std::exp(double(in.logits[std::size_t(r) * E + e] - mx)) / sum);
        plan.slotInRows.push_back(r);
        plan.slotInWeights.push_back(w);
        if (w > bestW) bestW = w, best = r;
      }
      plan.slotInPtr.push_back(std::int32_t(plan.slotInRows.size()));
      plan.slotRow.push_back(best);
      plan.slotGate.push_back(0.0f);
      plan.slotRank.push_back(0);
    }
  // Combine: every row sums its sequence's E slots with C = p, largest weight first.
  plan.rowPtr.assign(1, 0);
  for (int q = 0; q < S; ++q)
    for (int r = mSeqPtr[std::size_t(q)]; r < mSeqPtr[std::size_t(q) + 1]; ++r) {
      for (int e : topIndices(&p[std::size_t(r) * E], E, E)) {
        plan.rowSlots.push_back(e * S + q);
        plan.rowGates.push_back(p[std::size_t(r) * E + e]);
        plan.rowExperts.push_back(e);
      }
      plan.rowPtr.push_back(std::int32_t(plan.rowSlots.size()));
    }
  return true;
}

void SoftMoeRouter::dispatchBackward(const DispatchPlan& plan, const float* dSlotWeights,
                                     float* dz) const {
  // Softmax over the sequence's rows, per slot: dX[r,e] += D (dD - sum_r' D dD).
  const int E = plan.experts;
  for (int s = 0; s < plan.slots(); ++s) {
    const int b = plan.slotInPtr[std::size_t(s)], t = plan.slotInPtr[std::size_t(s) + 1];
    const int e = std::int32_t(std::upper_bound(plan.offsets.begin(), plan.offsets.end(), s) -
                               plan.offsets.begin()) - 1;
    double dot = 0.0;
    for (int j = b; j < t; ++j) dot += double(plan.slotInWeights[std::size_t(j)]) * dSlotWeights[j];
    for (int j = b; j < t; ++j)
      dz[std::size_t(plan.slotInRows[std::size_t(j)]) * E + std::size_t(e)] +=
          float(plan.slotInWeights[std::size_t(j)] * (dSlotWeights[j] - dot));
  }
}

}  // namespace moe::core
