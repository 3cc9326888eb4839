#include "core/routing/router_diagnostics.h"

#include <algorithm>
#include <cmath>

#include "core/routing/router_policy.h"

namespace moe::core {

std::vector<float> topkMargins(const float* probs, int rows, int experts, int k) {
  std::vector<float> out(std::size_t(std::max(rows, 0)), float(kNotMeasured));
  if (k < 1 || k >= experts) return out;
  std::vector<float> row(static_cast<std::size_t>(experts));
  for (int r = 0; r < rows; ++r) {
    row.assign(probs + std::size_t(r) * experts, probs + std::size_t(r + 1) * experts);
    // The k+1 largest, in order: the k-th is the last chosen, the (k+1)-th the best rejected.
    std::partial_sort(row.begin(), row.begin() + k + 1, row.end(), std::greater<float>());
    out[std::size_t(r)] = row[std::size_t(k) - 1] - row[std::size_t(k)];
  }
  return out;
}

MarginSummary summarizeMargins(const std::vector<float>& margins, double threshold) {
  MarginSummary s;
  double sum = 0.0;
  long n = 0, fragile = 0;
  for (float m : margins) {
    if (!std::isfinite(m)) continue;
    sum += m;
    ++n;
    if (m < threshold) ++fragile;
  }
  if (n == 0) return s;
  s.mean = sum / double(n);
  s.fragile = double(fragile) / double(n);
  return s;
}

double logitScale(const std::vector<float>& logits) {
  if (logits.empty()) return kNotMeasured;
  double sum = 0.0;
  for (float z : logits) sum += std::fabs(double(z));
  return sum / double(logits.size());
}

std::vector<std::int32_t> preferredExperts(const float* probs, int rows, int experts, int k) {
  std::vector<std::int32_t> out;
  out.reserve(std::size_t(std::max(rows, 0)) * std::size_t(std::max(k, 0)));
  const int kk = std::min(k, experts);
  for (int r = 0; r < rows; ++r) {
    const std::vector<int> top = topIndices(probs + std::size_t(r) * experts, experts, kk);
    out.insert(out.end(), top.begin(), top.end());
    for (int j = kk; j < k; ++j) out.push_back(-1);
  }
  return out;
}

std::vector<float> coactivation(const std::vector<std::int32_t>& top, int rows, int k, int experts) {
  if (k < 2 || experts < 1) return {};
  const std::size_t E = std::size_t(experts);
  std::vector<double> joint(E * E, 0.0);
  for (int r = 0; r < rows; ++r) {
    const std::int32_t* t = top.data() + std::size_t(r) * std::size_t(k);
    for (int a = 0; a < k; ++a) {
      if (t[a] < 0 || t[a] >= experts) continue;
      for (int b = 0; b < k; ++b)
        if (t[b] >= 0 && t[b] < experts && (a == b || t[b] != t[a]))
          joint[std::size_t(t[a]) * E + std::size_t(t[b])] += 1.0;
    }
  }
  std::vector<float> out(E * E, 0.0f);
  for (std::size_t i = 0; i < E; ++i) {
    const double used = joint[i * E + i];
    if (used > 0.0)
      for (std::size_t j = 0; j < E; ++j) out[i * E + j] = float(joint[i * E + j] / used);
  }
  return out;
}

double firstChoiceAgreement(const std::vector<std::int32_t>& a, const std::vector<std::int32_t>& b,
                            int rows, int k) {
  if (rows <= 0 || k <= 0) return kNotMeasured;
  long same = 0;
  for (int r = 0; r < rows; ++r)
    same += a[std::size_t(r) * std::size_t(k)] == b[std::size_t(r) * std::size_t(k)];
  return double(same) / double(rows);
}

double topkOverlap(const std::vector<std::int32_t>& a, const std::vector<std::int32_t>& b, int rows,
                   int k) {
  if (rows <= 0 || k <= 0) return kNotMeasured;
  double sum = 0.0;
  for (int r = 0; r < rows; ++r) {
    const std::int32_t* x = a.data() + std::size_t(r) * std::size_t(k);
    const std::int32_t* y = b.data() + std::size_t(r) * std::size_t(k);
    int common = 0;
    for (int i = 0; i < k; ++i)
      if (x[i] >= 0 && std::find(y, y + k, x[i]) != y + k) ++common;
    sum += double(common) / double(k);
  }
  return sum / double(rows);
}

void RoutingTracker::observe(EvalReport& report) {
  const int E = report.experts, k = report.k;
  if (E <= 0 || k <= 0 || report.gateProbs.empty()) return;
  const int rows = int(report.gateProbs.size() / std::size_t(E));
  report.rowMargins = topkMargins(report.gateProbs.data(), rows, E, k);
  const MarginSummary m = summarizeMargins(report.rowMargins, mFragileMargin);
  report.marginMean = m.mean;
  report.fragileFraction = m.fragile;
  if (int(report.topExperts.size()) == rows * k)
    report.coactivation = coactivation(report.topExperts, rows, k, E);
  auto frame = std::make_shared<RoutingFrame>();
  frame->step = report.step;
  frame->rows = rows;
  frame->k = k;
  frame->experts = preferredExperts(report.gateProbs.data(), rows, E, k);
  frame->margin = report.rowMargins;
  frame->topGate.resize(std::size_t(rows));
  for (int r = 0; r < rows; ++r) {
    const std::int32_t first = frame->experts[std::size_t(r) * std::size_t(k)];
    frame->topGate[std::size_t(r)] =
        first >= 0 ? report.gateProbs[std::size_t(r) * std::size_t(E) + std::size_t(first)] : 0.0f;
  }
  const std::vector<std::int32_t>& now = frame->experts;
  // Earlier evaluations of another split size (another split, another dataset) do not compare.
  const auto& earlier = mHistory.frames();
  if (!earlier.empty() && earlier.back()->rows == rows && earlier.back()->k == k) {
    const std::vector<std::int32_t>& last = earlier.back()->experts;
    report.stability = firstChoiceAgreement(last, now, rows, k);
    report.saturation = topkOverlap(last, now, rows, k);
    report.previousTop1.resize(std::size_t(rows));
    for (int r = 0; r < rows; ++r)
      report.previousTop1[std::size_t(r)] = last[std::size_t(r) * std::size_t(k)];
    for (const auto& e : earlier) {
      report.saturationSteps.push_back(e->step);
      report.saturationCurve.push_back(float(topkOverlap(e->experts, now, rows, k)));
    }
  }
  mHistory.add(std::move(frame));
  report.routingHistory = std::make_shared<const RoutingHistory>(mHistory);
}

}  // namespace moe::core
