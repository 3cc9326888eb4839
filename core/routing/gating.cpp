#include "core/routing/gating.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/routing/routers/uniform_router.h"

namespace moe::core {

namespace {

void softmaxRow(const float* in, float* out, int n) {
  float mx = in[0];
  for (int j = 1; j < n; ++j) mx = std::max(mx, in[j]);
  float sum = 0.0f;
  for (int j = 0; j < n; ++j) sum += (out[j] = std::exp(in[j] - mx));
  for (int j = 0; j < n; ++j) out[j] /= sum;
}

void sigmoidRow(const float* in, float* out, int n) {
  for (int j = 0; j < n; ++j) out[j] = 1.0f / (1.0f + std::exp(-in[j]));
}

// CV^2 = var / mean^2 of v, and its gradient.
double cvSquared(const std::vector<double>& v, std::vector<double>& grad) {
  const double n = double(v.size());
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / n;
  grad.assign(v.size(), 0.0);
  if (v.size() < 2 || mean <= 0.0) return 0.0;
  double var = 0.0;
  for (double x : v) var += (x - mean) * (x - mean);
  var /= n;
  for (std::size_t e = 0; e < v.size(); ++e)
    grad[e] = (2.0 / n) * (v[e] - mean) / (mean * mean) - 2.0 * var / (mean * mean * mean) / n;
  return var / (mean * mean);
}

}  // namespace

void Gating::forward(RouterPolicy& router, const RouterInput& in) {
  mRouter = &router;
  mRows = in.rows;
  mExperts = in.experts;
  const std::size_t n = std::size_t(in.rows) * std::size_t(in.experts);
  mZ.assign(in.logits, in.logits + n);
  mH = mZ;
  router.scores(in, mH);
  mP.resize(n);
  const RouterInfo& info = router.info();
  mSigmoid = info.reads(RouterSetting::Score) && in.settings.score == ScoreFunction::Sigmoid;
  mScale = info.reads(RouterSetting::RouteScale) ? in.settings.routeScale : 1.0f;
  mTraining = in.training;
  for (int r = 0; r < in.rows; ++r)
    (mSigmoid ? sigmoidRow : softmaxRow)(mH.data() + std::size_t(r) * in.experts,
                                         mP.data() + std::size_t(r) * in.experts, in.experts);
  mSequenceStart.clear();
  for (int r = 0; r < in.rows; ++r)  // without positions each row is its own sequence
    if (!in.positions || in.positions[r] == 0 || r == 0) mSequenceStart.push_back(r);
  if (!router.buildPlan(in, mP, mPlan)) {  // weighted-plan routers (Soft MoE) build their own
    for (auto& c : mChoices.rows) c.clear();
    mChoices.rows.resize(std::size_t(in.rows));
    mChoices.dropped.assign(std::size_t(in.rows), 0);
    router.choose(in, mP, mChoices);
    if (mScale != 1.0f)
      for (auto& c : mChoices.rows)
        for (auto& choice : c) choice.second *= mScale;
    buildPlan(mChoices);
  }
  mAuxDp.assign(n, 0.0f);
  mAuxDz.assign(n, 0.0f);
  mAuxDRowGates.assign(mPlan.rowGates.size(), 0.0f);
}

void Gating::buildPlan(const RouterChoices& choices) {
  DispatchPlan& p = mPlan;
  p.rows = mRows;
  p.experts = mExperts;
  p.offsets.assign(std::size_t(mExperts) + 1, 0);
  std::size_t nnz = 0;
  for (const auto& c : choices.rows) {
    nnz += c.size();
    for (const auto& [e, g] : c) ++p.offsets[std::size_t(e) + 1];
  }
  for (int e = 0; e < mExperts; ++e) p.offsets[e + 1] += p.offsets[e];
  p.slotRow.assign(nnz, 0);
  p.slotGate.assign(nnz, 0.0f);
  p.slotRank.assign(nnz, 0);
  p.slotInPtr.clear();
  p.slotInRows.clear();
  p.slotInWeights.clear();
  p.rowPtr.assign(std::size_t(mRows) + 1, 0);
  p.rowSlots.assign(nnz, 0);
  p.rowGates.assign(nnz, 0.0f);
  p.rowExperts.assign(nnz, 0);
  p.dropped.clear();
  p.unrouted.clear();
  std::vector<int> fill(p.offsets.begin(), p.offsets.end() - 1);
  std::size_t j = 0;
  // Rows in ascending order fill each expert's segment, so slots within an expert are sorted
  // by row: deterministic, and cache-friendly for the gather.
  for (int r = 0; r < mRows; ++r) {
    const auto& c = choices.rows[std::size_t(r)];
    if (choices.dropped[std::size_t(r)]) p.dropped.push_back(r);
    if (c.empty()) p.unrouted.push_back(r);
    for (std::size_t rank = 0; rank < c.size(); ++rank) {
      const auto [e, g] = c[rank];
      const int slot = fill[std::size_t(e)]++;
      p.slotRow[std::size_t(slot)] = r;
      p.slotGate[std::size_t(slot)] = g;
      p.slotRank[std::size_t(slot)] = int(rank);
      p.rowSlots[j] = slot;
      p.rowGates[j] = g;
      p.rowExperts[j] = e;
      ++j;
    }
    p.rowPtr[std::size_t(r) + 1] = int(j);
  }
}

double Gating::switchLoss(const LossConfig& w) {
  const int rows = mRows, E = mExperts;
  const std::size_t n = std::size_t(rows) * E;
  // Switch load balancing: f from the first choice (argmax p), P the mean probability.
  auto firstChoice = [&](int r) {
    const float* pr = &mP[std::size_t(r) * E];
    return std::size_t(std::max_element(pr, pr + E) - pr);
  };
  if (w.balanceScope == BalanceScope::Sequence) {
    // Per sequence: f and P over its rows, the loss averaged over the sequences.
    const std::size_t sequences = mSequenceStart.size();
    double loss = 0.0;
    for (std::size_t s = 0; s < sequences; ++s) {
      const int b = mSequenceStart[s], e1 = s + 1 < sequences ? mSequenceStart[s + 1] : rows;
      const double len = e1 - b;
      std::vector<double> f(static_cast<std::size_t>(E), 0.0), P(std::size_t(E), 0.0);
      for (int r = b; r < e1; ++r) {
        f[firstChoice(r)] += 1.0 / len;
        for (int e = 0; e < E; ++e) P[std::size_t(e)] += mP[std::size_t(r) * E + e] / len;
      }
      for (int e = 0; e < E; ++e) loss += E * f[std::size_t(e)] * P[std::size_t(e)] / sequences;
      if (w.auxWeight > 0.0)
        for (int r = b; r < e1; ++r)
          for (int e = 0; e < E; ++e)
            mAuxDp[std::size_t(r) * E + e] +=
                float(w.auxWeight * E * f[std::size_t(e)] / (len * double(sequences)));
    }
    return loss;
  }
  std::vector<double> f(static_cast<std::size_t>(E), 0.0), P(std::size_t(E), 0.0);
  for (int r = 0; r < rows; ++r) {
    const float* pr = &mP[std::size_t(r) * E];
    f[firstChoice(r)] += 1.0 / rows;
    for (int e = 0; e < E; ++e) P[std::size_t(e)] += pr[e] / double(rows);
  }
  if (w.balanceScope == BalanceScope::Global && mTraining) {
    // f pooled over the last balanceWindow training batches (this one included), by rows.
    std::vector<double> counts(f);
    for (double& c : counts) c *= rows;
    counts.push_back(rows);
    mWindow.push_back(std::move(counts));
    while (int(mWindow.size()) > w.balanceWindow) mWindow.pop_front();
    std::vector<double> pooled(static_cast<std::size_t>(E) + 1, 0.0);
    for (const auto& c : mWindow)
      for (std::size_t i = 0; i < pooled.size(); ++i) pooled[i] += c[i];
    for (int e = 0; e < E; ++e) f[std::size_t(e)] = pooled[std::size_t(e)] / pooled.back();
  }
  double loss = 0.0;
  for (int e = 0; e < E; ++e) loss += E * f[std::size_t(e)] * P[std::size_t(e)];
  if (w.auxWeight > 0.0)
    for (std::size_t i = 0; i < n; ++i)
      mAuxDp[i] += float(w.auxWeight * E * f[i % std::size_t(E)] / rows);
  return loss;
}

AuxLosses Gating::aux(const LossConfig& w) {
  AuxLosses out;
  const int rows = mRows, E = mExperts;
  if (rows == 0) return out;
  const std::size_t n = std::size_t(rows) * E;

  out.switchLoss = switchLoss(w);

  // Importance: CV^2 of the summed gates per expert (Shazeer et al. 2017).
  std::vector<double> importance(static_cast<std::size_t>(E), 0.0), grad;
  for (int r = 0; r < rows; ++r)
    for (int j = mPlan.rowPtr[r]; j < mPlan.rowPtr[r + 1]; ++j)
      importance[std::size_t(mPlan.rowExperts[std::size_t(j)])] += mPlan.rowGates[std::size_t(j)];
  out.importanceLoss = cvSquared(importance, grad);
  if (w.importanceWeight > 0.0)
    for (int r = 0; r < rows; ++r)
      for (int j = mPlan.rowPtr[r]; j < mPlan.rowPtr[r + 1]; ++j)
        mAuxDRowGates[std::size_t(j)] +=
            float(w.importanceWeight * grad[std::size_t(mPlan.rowExperts[std::size_t(j)])]);

  // Load: Shazeer's smooth estimator with the noise, else the soft load sum_r p.
  std::vector<double> load(static_cast<std::size_t>(E), 0.0);
  if (mRouter->smoothLoad(load)) {
    out.loadLoss = cvSquared(load, grad);
    if (w.loadWeight > 0.0) mRouter->smoothLoadBackward(w.loadWeight, grad, mAuxDz.data());
  } else {
    for (std::size_t i = 0; i < n; ++i) load[i % std::size_t(E)] += mP[i];
    out.loadLoss = cvSquared(load, grad);
    if (w.loadWeight > 0.0)
      for (std::size_t i = 0; i < n; ++i)
        mAuxDp[i] += float(w.loadWeight * grad[i % std::size_t(E)]);
  }

  // Router z-loss (ST-MoE) on the clean logits.
  std::vector<float> sz(static_cast<std::size_t>(E));
  for (int r = 0; r < rows; ++r) {
    const float* zr = &mZ[std::size_t(r) * E];
    const float mx = *std::max_element(zr, zr + E);
    double sum = 0.0;
    for (int e = 0; e < E; ++e) sum += std::exp(double(zr[e] - mx));
    const double lse = mx + std::log(sum);
    out.zLoss += lse * lse / rows;
    if (w.zLossWeight > 0.0)
      for (int e = 0; e < E; ++e)
        mAuxDz[std::size_t(r) * E + e] +=
            float(w.zLossWeight * 2.0 * lse * std::exp(double(zr[e]) - lse) / rows);
  }

  out.weighted = w.auxWeight * out.switchLoss + w.importanceWeight * out.importanceLoss +
                 w.loadWeight * out.loadLoss + w.zLossWeight * out.zLoss;
  return out;
}

void Gating::backward(const float* dRowGates, float* dz, std::vector<float>& dh,
                      const float* dSlotWeights) const {
  const int rows = mRows, E = mExperts;
  const bool renormalised = mRouter->info().renormalises;
  // The uniform router's scores ignore the logits: no gradient reaches the gate (it is frozen).
  const bool fixedScores = dynamic_cast<const UniformRouter*>(mRouter) != nullptr;
  std::vector<float> dp(mAuxDp);
  dh.resize(dp.size());
  // Gates split among an expert's slots (rowShares): d loss / d share, for the router.
  const bool shared = !mPlan.rowShares.empty();
  std::vector<float> dShares(shared ? mPlan.rowShares.size() : 0);
  for (int r = 0; r < rows; ++r) {
    const int b = mPlan.rowPtr[r], e1 = mPlan.rowPtr[r + 1];
    auto expertOf = [&](int j) { return mPlan.rowExperts[std::size_t(j)]; };
    // The plan's gates are the router's times the route scale (1 by default: exact).
    auto dg = [&](int j) { return (dRowGates[j] + mAuxDRowGates[std::size_t(j)]) * mScale; };
    if (renormalised) {
      // g_i = p_i / S over the chosen set: dp_i = (dg_i - sum_j g_j dg_j) / S.
      double sum = 0.0, dot = 0.0;
      for (int j = b; j < e1; ++j) {
        sum += mP[std::size_t(r) * E + expertOf(j)];
        dot += double(mPlan.rowGates[std::size_t(j)] / mScale) * dg(j);
      }
      for (int j = b; j < e1; ++j)
        dp[std::size_t(r) * E + expertOf(j)] += float((dg(j) - dot) / sum);
    } else if (!shared) {
      for (int j = b; j < e1; ++j) dp[std::size_t(r) * E + expertOf(j)] += dg(j);
    } else {
      // g_j = p_e s_j: dp_e += dg_j s_j, ds_j = dg_j p_e.
      for (int j = b; j < e1; ++j) {
        dp[std::size_t(r) * E + expertOf(j)] += dg(j) * mPlan.rowShares[std::size_t(j)];
        dShares[std::size_t(j)] = dg(j) * mP[std::size_t(r) * E + expertOf(j)];
      }
    }
    // Softmax (or sigmoid) backward to the scores H; H -> z is the identity, the router takes
    // dH further.
    const float* p = &mP[std::size_t(r) * E];
    const float* dpr = &dp[std::size_t(r) * E];
    if (mSigmoid) {
      for (int e = 0; e < E; ++e) {
        const std::size_t i = std::size_t(r) * E + e;
        dh[i] = dpr[e] * p[e] * (1.0f - p[e]);
        dz[i] = (fixedScores ? 0.0f : dh[i]) + mAuxDz[i];
      }
      continue;
    }
    double dot = 0.0;
    for (int e = 0; e < E; ++e) dot += double(p[e]) * dpr[e];
    for (int e = 0; e < E; ++e) {
      const std::size_t i = std::size_t(r) * E + e;
      dh[i] = float(p[e] * (dpr[e] - dot));
      dz[i] = (fixedScores ? 0.0f : dh[i]) + mAuxDz[i];
    }
  }
  if ((dSlotWeights && mPlan.weighted()) || shared)
    mRouter->dispatchBackward(mPlan, mPlan.weighted() ? dSlotWeights : nullptr,
                              shared ? dShares.data() : nullptr, dz);
}

}  // namespace moe::core
