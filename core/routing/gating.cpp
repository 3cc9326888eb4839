#include "core/routing/gating.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace moe::core {

namespace {

float softplus(float x) { return std::log1p(std::exp(-std::fabs(x))) + std::max(x, 0.0f); }
float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

void softmaxRow(const float* in, float* out, int n) {
  float mx = in[0];
  for (int j = 1; j < n; ++j) mx = std::max(mx, in[j]);
  float sum = 0.0f;
  for (int j = 0; j < n; ++j) sum += (out[j] = std::exp(in[j] - mx));
  for (int j = 0; j < n; ++j) out[j] /= sum;
}

// Indices of the k largest values of row, descending, ties to the lower index.
std::vector<int> topIndices(const float* row, int n, int k) {
  std::vector<int> idx(static_cast<std::size_t>(n));
  std::iota(idx.begin(), idx.end(), 0);
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(),
                    [&](int a, int b) { return row[a] > row[b] || (row[a] == row[b] && a < b); });
  idx.resize(std::size_t(k));
  return idx;
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

constexpr double kInvSqrt2Pi = 0.39894228040143267794;

}  // namespace

void Gating::forward(const Settings& s, int rows, int experts, const float* z,
                     const float* zNoise, const float* eps) {
  mSettings = s;
  mRows = rows;
  mExperts = experts;
  const std::size_t n = std::size_t(rows) * std::size_t(experts);
  mZ.assign(z, z + n);
  mNoisy = s.kind == RouterKind::NoisyTopK && zNoise != nullptr && eps != nullptr;
  mH = mZ;
  if (mNoisy) {
    mZNoise.assign(zNoise, zNoise + n);
    mEps.assign(eps, eps + n);
    mSigma.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      mSigma[i] = s.noiseScale * softplus(mZNoise[i]);
      mH[i] += mEps[i] * mSigma[i];
    }
  }
  mP.resize(n);
  for (int r = 0; r < rows; ++r)
    softmaxRow(mH.data() + std::size_t(r) * experts, mP.data() + std::size_t(r) * experts, experts);
  choose(s);
  mAuxDp.assign(n, 0.0f);
  mAuxDz.assign(n, 0.0f);
  mAuxDzNoise.assign(mNoisy ? n : 0, 0.0f);
  mAuxDRowGates.assign(mPlan.rowGates.size(), 0.0f);
}

void Gating::choose(const Settings& s) {
  const int rows = mRows, E = mExperts;
  std::vector<std::vector<std::pair<int, float>>> choices(static_cast<std::size_t>(rows));
  mWanted.assign(std::size_t(rows), 0);
  auto prob = [&](int r, int e) { return mP[std::size_t(r) * E + std::size_t(e)]; };
  switch (s.kind) {
    case RouterKind::Dense:
      for (int r = 0; r < rows; ++r)
        for (int e : topIndices(&mP[std::size_t(r) * E], E, E)) choices[r].push_back({e, prob(r, e)});
      break;
    case RouterKind::TopK:
    case RouterKind::NoisyTopK:
      for (int r = 0; r < rows; ++r) {
        const auto top = topIndices(&mP[std::size_t(r) * E], E, s.k);
        float sum = 0.0f;
        for (int e : top) sum += prob(r, e);
        for (int e : top) choices[r].push_back({e, prob(r, e) / sum});
      }
      break;
    case RouterKind::Switch: {
      const int capacity = int(std::ceil(s.capacityFactor * rows / E));
      std::vector<int> used(static_cast<std::size_t>(E), 0);
      for (int r = 0; r < rows; ++r) {
        const int e = topIndices(&mP[std::size_t(r) * E], E, 1)[0];
        if (used[e] < capacity) {
          ++used[e];
          choices[r].push_back({e, prob(r, e)});
        } else {
          mWanted[r] = 1;
        }
      }
      break;
    }
    case RouterKind::ExpertChoice: {
      const int capacity = std::min(rows, int(std::ceil(s.capacityFactor * s.k * rows / E)));
      std::vector<int> order(static_cast<std::size_t>(rows));
      for (int e = 0; e < E; ++e) {
        std::iota(order.begin(), order.end(), 0);
        std::partial_sort(order.begin(), order.begin() + capacity, order.end(), [&](int a, int b) {
          return prob(a, e) > prob(b, e) || (prob(a, e) == prob(b, e) && a < b);
        });
        for (int i = 0; i < capacity; ++i) choices[order[i]].push_back({e, prob(order[i], e)});
      }
      for (auto& c : choices)  // first choice first
        std::sort(c.begin(), c.end(), [](const auto& a, const auto& b) {
          return a.second > b.second || (a.second == b.second && a.first < b.first);
        });
      break;
    }
  }
  buildPlan(choices);
}

void Gating::buildPlan(const std::vector<std::vector<std::pair<int, float>>>& choices) {
  DispatchPlan& p = mPlan;
  p.rows = mRows;
  p.experts = mExperts;
  p.offsets.assign(std::size_t(mExperts) + 1, 0);
  std::size_t nnz = 0;
  for (const auto& c : choices) {
    nnz += c.size();
    for (const auto& [e, g] : c) ++p.offsets[std::size_t(e) + 1];
  }
  for (int e = 0; e < mExperts; ++e) p.offsets[e + 1] += p.offsets[e];
  p.slotRow.assign(nnz, 0);
  p.slotGate.assign(nnz, 0.0f);
  p.slotRank.assign(nnz, 0);
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
    const auto& c = choices[std::size_t(r)];
    if (mWanted[std::size_t(r)]) p.dropped.push_back(r);
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

AuxLosses Gating::aux(const LossConfig& w) {
  AuxLosses out;
  const int rows = mRows, E = mExperts;
  if (rows == 0) return out;
  const std::size_t n = std::size_t(rows) * E;

  // Switch load balancing: f from the first choice (argmax p), P the mean probability.
  std::vector<double> f(static_cast<std::size_t>(E), 0.0), P(std::size_t(E), 0.0);
  for (int r = 0; r < rows; ++r) {
    const float* pr = &mP[std::size_t(r) * E];
    f[std::size_t(std::max_element(pr, pr + E) - pr)] += 1.0 / rows;
    for (int e = 0; e < E; ++e) P[std::size_t(e)] += pr[e] / double(rows);
  }
  for (int e = 0; e < E; ++e) out.switchLoss += E * f[std::size_t(e)] * P[std::size_t(e)];
  if (w.auxWeight > 0.0)
    for (std::size_t i = 0; i < n; ++i)
      mAuxDp[i] += float(w.auxWeight * E * f[i % std::size_t(E)] / rows);

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
  if (mNoisy) {
    const int k = std::min(mSettings.k, E);
    // prob(r, e) = Phi((z_e - threshold) / sigma_e), where the threshold is the noisy score
    // H_t = z_t + eps_t sigma_t of another expert t: the gradient reaches z_t and sigma_t too.
    std::vector<double> dProbDz(n, 0.0), dProbDsigma(n, 0.0), dProbDthreshold(n, 0.0);
    std::vector<int> thresholdExpert(n, -1);
    for (int r = 0; r < rows; ++r) {
      const float* h = &mH[std::size_t(r) * E];
      const auto top = topIndices(h, E, std::min(k + 1, E));
      const int kth = top[std::size_t(k) - 1];
      const int kPlus1 = k < E ? top[std::size_t(k)] : -1;
      for (int e = 0; e < E; ++e) {
        const std::size_t i = std::size_t(r) * E + e;
        const bool inTop = std::find(top.begin(), top.begin() + k, e) != top.begin() + k;
        const int t = inTop ? kPlus1 : kth;  // the k-th largest of the others
        const double threshold = t >= 0 ? double(h[t]) : -INFINITY;
        const double sigma = std::max(1e-6, double(mSigma[i]));
        const double u = (double(mZ[i]) - threshold) / sigma;
        const double prob = std::isfinite(u) ? 0.5 * std::erfc(-u / std::sqrt(2.0)) : (u > 0);
        load[std::size_t(e)] += prob;
        const double pdf = std::isfinite(u) ? kInvSqrt2Pi * std::exp(-0.5 * u * u) : 0.0;
        dProbDz[i] = pdf / sigma;
        dProbDsigma[i] = -pdf * u / sigma;
        dProbDthreshold[i] = -pdf / sigma;
        thresholdExpert[i] = t;
      }
    }
    out.loadLoss = cvSquared(load, grad);
    if (w.loadWeight > 0.0) {
      std::vector<double> dz(n, 0.0), dsigma(n, 0.0);
      for (std::size_t i = 0; i < n; ++i) {
        const double g = w.loadWeight * grad[i % std::size_t(E)];
        dz[i] += g * dProbDz[i];
        dsigma[i] += g * dProbDsigma[i];
        if (thresholdExpert[i] >= 0) {  // d H_t / d z_t = 1, d H_t / d sigma_t = eps_t
          const std::size_t ti = i - i % std::size_t(E) + std::size_t(thresholdExpert[i]);
          dz[ti] += g * dProbDthreshold[i];
          dsigma[ti] += g * dProbDthreshold[i] * mEps[ti];
        }
      }
      for (std::size_t i = 0; i < n; ++i) {
        mAuxDz[i] += float(dz[i]);
        mAuxDzNoise[i] += float(dsigma[i] * mSettings.noiseScale * sigmoid(mZNoise[i]));
      }
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) load[i % std::size_t(E)] += mP[i];
    out.loadLoss = cvSquared(load, grad);
    if (w.loadWeight > 0.0)
      for (std::size_t i = 0; i < n; ++i) mAuxDp[i] += float(w.loadWeight * grad[i % std::size_t(E)]);
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

void Gating::backward(const float* dRowGates, float* dz, float* dzNoise) const {
  const int rows = mRows, E = mExperts;
  const bool renormalised =
      mSettings.kind == RouterKind::TopK || mSettings.kind == RouterKind::NoisyTopK;
  std::vector<float> dp(mAuxDp);
  for (int r = 0; r < rows; ++r) {
    const int b = mPlan.rowPtr[r], e1 = mPlan.rowPtr[r + 1];
    auto expertOf = [&](int j) { return mPlan.rowExperts[std::size_t(j)]; };
    auto dg = [&](int j) { return dRowGates[j] + mAuxDRowGates[std::size_t(j)]; };
    if (renormalised) {
      // g_i = p_i / S over the chosen set: dp_i = (dg_i - sum_j g_j dg_j) / S.
      double sum = 0.0, dot = 0.0;
      for (int j = b; j < e1; ++j) {
        sum += mP[std::size_t(r) * E + expertOf(j)];
        dot += double(mPlan.rowGates[std::size_t(j)]) * dg(j);
      }
      for (int j = b; j < e1; ++j)
        dp[std::size_t(r) * E + expertOf(j)] += float((dg(j) - dot) / sum);
    } else {
      for (int j = b; j < e1; ++j) dp[std::size_t(r) * E + expertOf(j)] += dg(j);
    }
    // Softmax backward to the scores H, then H -> z (identity) and H -> noise logits.
    const float* p = &mP[std::size_t(r) * E];
    const float* dpr = &dp[std::size_t(r) * E];
    double dot = 0.0;
    for (int e = 0; e < E; ++e) dot += double(p[e]) * dpr[e];
    for (int e = 0; e < E; ++e) {
      const std::size_t i = std::size_t(r) * E + e;
      const float dh = float(p[e] * (dpr[e] - dot));
      dz[i] = dh + mAuxDz[i];
      if (mNoisy && dzNoise)
        dzNoise[i] = dh * mEps[i] * mSettings.noiseScale * sigmoid(mZNoise[i]) + mAuxDzNoise[i];
    }
  }
  if (!mNoisy && dzNoise) std::fill(dzNoise, dzNoise + std::size_t(rows) * E, 0.0f);
}

}  // namespace moe::core
