#include "core/routing/routers/soft_moe_router.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace moe::core {

RouterInfo SoftMoeRouter::describe() {
  return {"soft-moe",
          "each expert's slots a softmax-weighted mix of a sequence's rows, each row a "
          "softmax-weighted mix of the slots; nothing dropped (Puigcerver et al. 2023)",
          {RouterSetting::SlotsPerExpert},
          false,
          [](const RouterSettings&, int experts) { return experts; }};
}

const RouterInfo& SoftMoeRouter::info() const {
  static const RouterInfo i = describe();
  return i;
}

SoftMoeRouter::SoftMoeRouter(RouterBuild& b) : mBackend(b.backend), mSlots(std::max(1, b.slotsPerExpert)) {
  // One slot per expert needs no parameters of its own: the rng is not drawn from.
  if (mSlots > 1)
    mSlotGate = std::make_unique<Linear>(b.backend, "router.slots", b.in, b.experts * mSlots, b.rng);
}

std::vector<Parameter*> SoftMoeRouter::parameters() {
  if (!mSlotGate) return {};
  return {&mSlotGate->weight(), &mSlotGate->bias()};
}

void SoftMoeRouter::scores(const RouterInput& in, std::vector<float>& h) {
  if (mSlots == 1) return;
  if (!in.x) throw std::logic_error("soft-moe with several slots per expert needs the gate's input");
  const int R = in.rows, E = in.experts, P = mSlots;
  mRows = R;
  mExperts = E;
  compute::Tensor y = mYS.get(mBackend, R, E * P);
  mSlotGate->forward(*in.x, y);
  mY.resize(std::size_t(R) * E * P);
  mBackend.read(y, std::span<float>(mY));
  mQ.resize(mY.size());
  // h[r,e] = X[r,e] + logsumexp_j Y[r,e,j]; q = softmax_j Y[r,e,.].
  for (std::size_t re = 0; re < std::size_t(R) * E; ++re) {
    const float* yr = &mY[re * P];
    const float mx = *std::max_element(yr, yr + P);
    double sum = 0.0;
    for (int j = 0; j < P; ++j) sum += std::exp(double(yr[j] - mx));
    for (int j = 0; j < P; ++j) mQ[re * P + std::size_t(j)] = float(std::exp(double(yr[j] - mx)) / sum);
    h[re] += float(double(mx) + std::log(sum));
  }
  mDy.assign(mY.size(), 0.0f);
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
  if (mSlots > 1) {
    buildSlotPlan(in, p, plan);
    return true;
  }
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

void SoftMoeRouter::buildSlotPlan(const RouterInput& in, const std::vector<float>& p,
                                  DispatchPlan& plan) {
  const int R = in.rows, E = in.experts, P = mSlots, S = int(mSeqPtr.size()) - 1;
  if (mY.size() != std::size_t(R) * E * P) throw std::logic_error("soft-moe: scores() did not run");
  auto z = [&](int r, int e, int j) {
    return in.logits[std::size_t(r) * E + e] + mY[(std::size_t(r) * E + e) * P + j];
  };
  plan = DispatchPlan{};
  plan.rows = R;
  plan.experts = E;
  plan.offsets.resize(std::size_t(E) + 1);
  for (int e = 0; e <= E; ++e) plan.offsets[std::size_t(e)] = e * P * S;
  // Dispatch: slot (e, j) of sequence q, id e * P * S + j * S + q, mixes the sequence's rows by
  // a softmax over them of Z[., e, j].
  plan.slotInPtr.assign(1, 0);
  for (int e = 0; e < E; ++e)
    for (int j = 0; j < P; ++j)
      for (int q = 0; q < S; ++q) {
        const int b = mSeqPtr[std::size_t(q)], t = mSeqPtr[std::size_t(q) + 1];
        float mx = -INFINITY;
        for (int r = b; r < t; ++r) mx = std::max(mx, z(r, e, j));
        double sum = 0.0;
        for (int r = b; r < t; ++r) sum += std::exp(double(z(r, e, j) - mx));
        int best = b;
        float bestW = -1.0f;
        for (int r = b; r < t; ++r) {
          const float w = float(std::exp(double(z(r, e, j) - mx)) / sum);
          plan.slotInRows.push_back(r);
          plan.slotInWeights.push_back(w);
          if (w > bestW) bestW = w, best = r;
        }
        plan.slotInPtr.push_back(std::int32_t(plan.slotInRows.size()));
        plan.slotRow.push_back(best);
        plan.slotGate.push_back(0.0f);
        plan.slotRank.push_back(0);
      }
  // Combine: C[r,e,j] = p[r,e] q[r,e,j]. Each expert's best slot first (experts by p, so the
  // first E links name every expert once, as with one slot), then its other slots.
  plan.rowPtr.assign(1, 0);
  for (int q = 0; q < S; ++q)
    for (int r = mSeqPtr[std::size_t(q)]; r < mSeqPtr[std::size_t(q) + 1]; ++r) {
      const std::vector<int> order = topIndices(&p[std::size_t(r) * E], E, E);
      for (int pass = 0; pass < 2; ++pass)
        for (int e : order) {
          const float* qr = &mQ[(std::size_t(r) * E + e) * P];
          const int top = int(std::max_element(qr, qr + P) - qr);
          for (int j = 0; j < P; ++j) {
            if ((pass == 0) != (j == top)) continue;
            plan.rowSlots.push_back(e * P * S + j * S + q);
            plan.rowGates.push_back(p[std::size_t(r) * E + e] * qr[j]);
            plan.rowShares.push_back(qr[j]);
            plan.rowExperts.push_back(e);
          }
        }
      plan.rowPtr.push_back(std::int32_t(plan.rowSlots.size()));
    }
}

void SoftMoeRouter::dispatchBackward(const DispatchPlan& plan, const float* dSlotWeights,
                                     const float* dRowShares, float* dz) const {
  // Softmax over the sequence's rows, per slot: dZ[r,s] = D (dD - sum_r' D dD), and
  // Z[r,e,j] = X[r,e] + Y[r,e,j] (Y only with several slots).
  const int E = plan.experts, P = mSlots;
  const int S = P > 1 && E > 0 ? plan.load(0) / P : 0;
  for (int s = 0; dSlotWeights && s < plan.slots(); ++s) {
    const int b = plan.slotInPtr[std::size_t(s)], t = plan.slotInPtr[std::size_t(s) + 1];
    const int e = std::int32_t(std::upper_bound(plan.offsets.begin(), plan.offsets.end(), s) -
                               plan.offsets.begin()) - 1;
    const int j = P > 1 ? (s - plan.offsets[std::size_t(e)]) / S : 0;
    double dot = 0.0;
    for (int i = b; i < t; ++i) dot += double(plan.slotInWeights[std::size_t(i)]) * dSlotWeights[i];
    for (int i = b; i < t; ++i) {
      const int r = plan.slotInRows[std::size_t(i)];
      const float g = float(plan.slotInWeights[std::size_t(i)] * (dSlotWeights[i] - dot));
      dz[std::size_t(r) * E + std::size_t(e)] += g;
      if (P > 1) mDy[(std::size_t(r) * E + e) * P + j] += g;
    }
  }
  if (!dRowShares || P == 1) return;
  // Combine shares q = softmax_j Y[r,e,.]: first gather dq per (r, e, j), then
  // dY = q (dq - sum_j q dq).
  std::vector<float> dq(mQ.size(), 0.0f);
  for (int r = 0; r < plan.rows; ++r)
    for (int i = plan.rowPtr[std::size_t(r)]; i < plan.rowPtr[std::size_t(r) + 1]; ++i) {
      const int e = plan.rowExperts[std::size_t(i)];
      const int j = (plan.rowSlots[std::size_t(i)] - plan.offsets[std::size_t(e)]) / S;
      dq[(std::size_t(r) * E + e) * P + j] += dRowShares[i];
    }
  for (std::size_t re = 0; re < std::size_t(plan.rows) * E; ++re) {
    double dot = 0.0;
    for (int j = 0; j < P; ++j) dot += double(mQ[re * P + j]) * dq[re * P + j];
    for (int j = 0; j < P; ++j) mDy[re * P + j] += float(mQ[re * P + j] * (dq[re * P + j] - dot));
  }
}

void SoftMoeRouter::backward(const std::vector<float>& dh, const compute::Tensor& x,
                             compute::Tensor* dx) {
  if (mSlots == 1) return;
  const int P = mSlots;
  // h = X + logsumexp_j Y: dY[r,e,j] += dh[r,e] q[r,e,j].
  for (std::size_t re = 0; re < dh.size() && re * P < mDy.size(); ++re)
    for (int j = 0; j < P; ++j) mDy[re * P + j] += dh[re] * mQ[re * P + j];
  compute::Tensor dy = mDyS.get(mBackend, mRows, mExperts * P);
  mBackend.write(dy, std::span<const float>(mDy));
  mSlotGate->backward(x, dy, dx, dx ? 1.0f : 0.0f);
  std::fill(mDy.begin(), mDy.end(), 0.0f);  // the next backward starts from zero
}

}  // namespace moe::core
