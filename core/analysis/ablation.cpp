#include "core/analysis/ablation.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "core/model/model.h"
#include "core/train/metric_table.h"
#include "core/train/session.h"

namespace moe::core {

namespace {

MoeLayer& ablatableLayer(Session& session) {
  MoeLayer* moe = session.model().moe();
  if (!moe) throw AblationError("the model has no MoE layer: there is no expert to remove");
  if (session.qualityMetric() != QualityMetric::Accuracy)
    throw AblationError("ablation measures accuracy per class; this task reports " +
                        std::string(qualityInfo(session.qualityMetric()).label));
  return *moe;
}

/** Puts an AblationPolicy in place for its lifetime and the wrapped router back after. */
class PolicyWrap {
 public:
  PolicyWrap(MoeLayer& moe, AblationMode mode, int expert) : mRouter(moe.router()) {
    auto wrapper = std::make_unique<AblationPolicy>(mRouter.policy(), mode, expert);
    mWrapper = wrapper.get();
    mOriginal = mRouter.exchangePolicy(std::move(wrapper));
  }
  ~PolicyWrap() { mRouter.exchangePolicy(std::move(mOriginal)); }
  PolicyWrap(const PolicyWrap&) = delete;
  PolicyWrap& operator=(const PolicyWrap&) = delete;
  void check() const {
    if (mWrapper->unsupported())
      throw AblationError(std::string("router '") + mWrapper->info().name +
                          "' mixes rows into weighted slots: an expert cannot be removed row by row");
  }

 private:
  Router& mRouter;
  AblationPolicy* mWrapper = nullptr;
  std::unique_ptr<RouterPolicy> mOriginal;
};

/** Diagnostics off while ablating: the routing history and alarms are the trained model's. */
class DiagnosticsOff {
 public:
  explicit DiagnosticsOff(Session& s) : mSession(s), mWas(s.config().health.diagnostics) {
    s.mutableConfig().health.diagnostics = false;
  }
  ~DiagnosticsOff() { mSession.mutableConfig().health.diagnostics = mWas; }

 private:
  Session& mSession;
  bool mWas;
};

std::vector<double> classAccuracy(const EvalReport& r, int classes) {
  std::vector<double> correct(std::size_t(classes), 0.0), total(std::size_t(classes), 0.0);
  for (std::size_t i = 0; i < r.labels.size() && i < r.predictions.size(); ++i) {
    const auto c = std::size_t(r.labels[i]);
    if (c >= total.size()) continue;
    total[c] += 1.0;
    correct[c] += r.predictions[i] == r.labels[i];
  }
  std::vector<double> acc(static_cast<std::size_t>(classes));
  for (std::size_t c = 0; c < acc.size(); ++c)
    acc[c] = total[c] > 0 ? correct[c] / total[c] : std::numeric_limits<double>::quiet_NaN();
  return acc;
}

AblationEval evaluateWith(Session& session, MoeLayer& moe, AblationMode mode, int expert,
                          int classes) {
  PolicyWrap wrap(moe, mode, expert);
  const auto report = session.evaluate();
  wrap.check();
  return {mode, expert, report->quality, classAccuracy(*report, classes)};
}

}  // namespace

void requireAblatable(Session& session) { ablatableLayer(session); }

AblationReport ablate(Session& session, const AblationProgress& progress) {
  MoeLayer& moe = ablatableLayer(session);
  const DiagnosticsOff off(session);
  AblationReport out;
  const auto trained = session.evaluate();
  out.step = session.step();
  out.experts = trained->experts;
  out.classes = trained->classes > 0 ? trained->classes : session.data().test.classes;
  out.k = trained->k;
  out.rows = int(trained->labels.size());
  out.classNames = session.data().test.classNames;
  out.accuracy = trained->quality;
  out.classAccuracy = classAccuracy(*trained, out.classes);
  out.classRows.assign(std::size_t(out.classes), 0);
  for (std::int32_t l : trained->labels)
    if (l >= 0 && l < out.classes) ++out.classRows[std::size_t(l)];
  out.classExpert = trained->classExpert;
  out.classExpert.resize(std::size_t(out.classes) * std::size_t(out.experts), 0);
  // Shares of the routed units (rows; tokens for text) that classExpert counts.
  double units = 0.0;
  out.expertShare.assign(std::size_t(out.experts), 0.0);
  for (int c = 0; c < out.classes; ++c)
    for (int e = 0; e < out.experts; ++e)
      out.expertShare[std::size_t(e)] +=
          double(out.classExpert[std::size_t(c) * std::size_t(out.experts) + std::size_t(e)]);
  const int E = out.experts;
  const int total = 3 * E + 2;
  int done = 1;
  if (progress) progress(done, total);
  {
    // Units routed: rows of a first choice, or k per row; classExpert counts every choice.
    for (double s : out.expertShare) units += s;
    const double perRow = out.k > 0 ? double(out.k) : 1.0;
    for (double& s : out.expertShare) s = units > 0 ? s * perRow / units : 0.0;
  }
  for (AblationMode mode : {AblationMode::NextChoice, AblationMode::Renormalise, AblationMode::Alone}) {
    auto& list = mode == AblationMode::NextChoice    ? out.nextChoice
                 : mode == AblationMode::Renormalise ? out.renormalise
                                                     : out.alone;
    for (int e = 0; e < E; ++e) {
      list.push_back(evaluateWith(session, moe, mode, e, out.classes));
      if (progress) progress(++done, total);
    }
  }
  out.uniform = evaluateWith(session, moe, AblationMode::UniformGate, -1, out.classes);
  if (progress) progress(++done, total);
  return out;
}

std::vector<AblationBarRow> ablationBar(const AblationReport& r, AblationMode mode,
                                        double minShare) {
  std::vector<AblationBarRow> rows;
  const auto& removed = r.removed(mode);
  for (int e = 0; e < r.experts && std::size_t(e) < removed.size(); ++e) {
    if (r.expertShare[std::size_t(e)] < minShare) continue;
    AblationBarRow b;
    b.expert = e;
    b.share = r.expertShare[std::size_t(e)];
    for (int c = 0; c < r.classes; ++c) {
      // The share of the class's routed rows (tokens for text) that this expert takes.
      const std::int64_t* counts = &r.classExpert[std::size_t(c) * std::size_t(r.experts)];
      double routed = 0.0;
      for (int f = 0; f < r.experts; ++f) routed += double(counts[f]);
      if (routed <= 0.0) continue;
      const double s = double(counts[e]) * std::max(1, r.k) / routed;
      if (b.topClass < 0 || s > b.topClassShare) {
        b.topClass = c;
        b.topClassShare = s;
      }
    }
    if (b.topClass < 0) continue;
    double other = 0.0;
    int n = 0;
    for (int c = 0; c < r.classes; ++c) {
      const double drop = r.classAccuracy[std::size_t(c)] - removed[std::size_t(e)].classAccuracy[std::size_t(c)];
      if (std::isnan(drop)) continue;
      if (c == b.topClass) {
        b.topClassDrop = drop;
      } else {
        other += drop;
        ++n;
      }
    }
    b.otherClassDrop = n > 0 ? other / n : 0.0;
    b.passes = b.topClassDrop > b.otherClassDrop;
    rows.push_back(b);
  }
  return rows;
}

std::vector<AblatedInput> ablateInput(Session& session, int testIndex, AblationMode mode) {
  MoeLayer& moe = ablatableLayer(session);
  const int E = session.config().model.routedExperts();
  std::vector<AblatedInput> out;
  for (int e = 0; e < E; ++e) {
    PolicyWrap wrap(moe, mode, e);
    const Inspection in = session.inspect(testIndex);
    wrap.check();
    AblatedInput a;
    a.expert = e;
    a.predicted = in.predicted;
    a.prediction = in.prediction;
    if (in.label >= 0 && std::size_t(in.label) < in.prediction.size())
      a.labelProbability = in.prediction[std::size_t(in.label)];
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace moe::core
