#include "core/train/metric_table.h"

#include <array>
#include <stdexcept>

namespace moe::core {

namespace {

using Q = QualityMetric;
using G = MetricGroup;
constexpr std::optional<QualityMetric> kAll = std::nullopt;

MetricDef step(const char* id, const char* label, const char* unit, G group, unsigned flags,
               double (*fn)(const StepMetrics&), std::optional<Q> onlyFor = kAll) {
  MetricDef d{id, label, unit, group, MetricScope::Step, onlyFor, flags};
  d.step = fn;
  return d;
}

MetricDef eval(const char* id, const char* label, const char* unit, G group, unsigned flags,
               double (*fn)(const EvalReport&), std::optional<Q> onlyFor = kAll) {
  MetricDef d{id, label, unit, group, MetricScope::Eval, onlyFor, flags};
  d.eval = fn;
  return d;
}

MetricDef stepVector(const char* id, const char* label, const char* unit, G group, unsigned flags,
                     std::vector<float> (*fn)(const StepMetrics&)) {
  MetricDef d{id, label, unit, group, MetricScope::Step, kAll, flags};
  d.stepVector = fn;
  return d;
}

MetricDef evalVector(const char* id, const char* label, const char* unit, G group, unsigned flags,
                     std::vector<float> (*fn)(const EvalReport&)) {
  MetricDef d{id, label, unit, group, MetricScope::Eval, kAll, flags};
  d.evalVector = fn;
  return d;
}

// Load share / fair share (1 / experts) per expert.
std::vector<float> utilisation(const std::vector<float>& load) {
  std::vector<float> out(load);
  for (float& v : out) v *= float(load.size());
  return out;
}

// Models with several MoE layers: one value per layer's report (empty for the others).
std::vector<float> perLayer(const EvalReport& e, double (*fn)(const EvalReport&)) {
  std::vector<float> out;
  for (const auto& layer : e.layers)
    if (layer) out.push_back(float(fn(*layer)));
  return out;
}

// Bytes that crossed between ranks: the traffic matrix without its diagonal.
double betweenRanks(const std::vector<float>& bytes) {
  if (bytes.empty()) return kNotMeasured;
  std::size_t ranks = 1;
  while (ranks * ranks < bytes.size()) ++ranks;
  double sum = 0.0;
  for (std::size_t i = 0; i < bytes.size(); ++i)
    if (i / ranks != i % ranks) sum += double(bytes[i]);
  return sum;
}

// The rows. Order = CSV column order and the order of curves on a plot. Ids are the keys of
// moe-train's JSON lines, which scripts parse: never rename one.
std::vector<MetricDef> buildTable() {
  using S = const StepMetrics&;
  using E = const EvalReport&;
  constexpr unsigned P = kPlotted, R = kRightAxis, I = kInteger, Sum = kSummary, A = kAggregate;
  constexpr unsigned M = kWhenMeasured;
  return {
      step("epoch_progress", "epoch progress", "epochs", G::Progress, 0, [](S m) { return m.epochProgress; }),
      step("train_loss", "train loss", "", G::Loss, P, [](S m) { return m.loss; }),
      step("train_accuracy", "train accuracy", "", G::Quality, P, [](S m) { return m.quality; },
           Q::Accuracy),
      // Ratings are the only regression task so far: their RMSE is in stars.
      step("train_rmse", "train RMSE", "stars", G::Quality, P, [](S m) { return m.quality; },
           Q::Rmse),
      eval("test_loss", "test loss", "", G::Loss, P | Sum, [](E e) { return e.loss; }),
      eval("test_accuracy", "test accuracy", "", G::Quality, P | Sum,
           [](E e) { return e.quality; }, Q::Accuracy),
      eval("test_rmse", "test RMSE", "stars", G::Quality, P | Sum, [](E e) { return e.quality; },
           Q::Rmse),
      step("switch_loss", "Switch balance", "", G::AuxLoss, P, [](S m) { return m.switchLoss; }),
      step("importance_loss", "importance CV²", "", G::AuxLoss, P,
           [](S m) { return m.importanceLoss; }),
      step("load_loss", "load CV²", "", G::AuxLoss, P, [](S m) { return m.loadLoss; }),
      step("aux_total", "weighted total", "", G::AuxLoss, P | A, [](S m) { return m.auxTotal; }),
      step("z_loss", "router z-loss", "", G::AuxLoss, P | R, [](S m) { return m.zLoss; }),
      step("lr", "learning rate", "", G::Optimizer, 0, [](S m) { return m.lr; }),
      step("samples_per_s", "samples/s", "samples/s", G::Throughput, 0,
           [](S m) { return m.samplesPerSecond; }),
      step("load_cv", "load CV", "", G::Balance, P, [](S m) { return m.routing.loadCv; }),
      step("max_vio", "MaxVio", "", G::Balance, P, [](S m) { return m.routing.maxVio; }),
      step("dropped_fraction", "dropped fraction", "", G::Balance, P,
           [](S m) { return m.routing.droppedFraction; }),
      step("unrouted_fraction", "unrouted fraction", "", G::Balance, 0,
           [](S m) { return m.routing.unroutedFraction; }),
      step("routing_entropy", "routing entropy", "nats", G::Balance, P,
           [](S m) { return m.routing.entropy; }),
      step("dead_experts", "dead experts", "experts", G::Balance, P | R | I | A,
           [](S m) { return double(m.routing.deadExperts); }),
      stepVector("expert_load", "expert load", "share", G::ExpertShare, P,
                 [](S m) { return m.routing.load; }),
      stepVector("expert_importance", "expert importance", "share", G::ExpertShare, 0,
                 [](S m) { return m.routing.importance; }),
      // Of another scale than the shares: the load plot draws it on its right axis.
      stepVector("router_bias", "balancing bias", "", G::ExpertShare, P | R | M,
                 [](S m) { return m.routerBias; }),
      eval("mutual_information_bits", "I(class; expert)", "bits", G::Information, 0,
           [](E e) { return e.mutualInformation; }),
      evalVector("expert_load", "test expert load", "share", G::ExpertShare, Sum,
                 [](E e) { return e.routing.load; }),
      eval("load_cv", "test load CV", "", G::Balance, Sum, [](E e) { return e.routing.loadCv; }),
      eval("max_vio", "test MaxVio", "", G::Balance, Sum, [](E e) { return e.routing.maxVio; }),
      eval("dropped_fraction", "test dropped fraction", "", G::Balance, Sum,
           [](E e) { return e.routing.droppedFraction; }),
      eval("unrouted_fraction", "test unrouted fraction", "", G::Balance, Sum,
           [](E e) { return e.routing.unroutedFraction; }),
      eval("routing_entropy", "test routing entropy", "nats", G::Balance, Sum,
           [](E e) { return e.routing.entropy; }),
      eval("dead_experts", "test dead experts", "experts", G::Balance, Sum | I,
           [](E e) { return double(e.routing.deadExperts); }),
      // Shared experts take every input: the per-expert vectors count only the routed ones.
      eval("shared_experts", "shared experts (always on)", "experts", G::Balance, Sum | I,
           [](E e) { return double(e.sharedExperts); }),
      // Router diagnostics (core/routing/router_diagnostics.h); NaN / empty when not measured.
      // The Router health tab (ui/routerhealthpanel.cpp) plots them, not the Training tab.
      stepVector("expert_utilisation", "expert utilisation", "x fair share", G::ExpertShare, 0,
                 [](S m) { return utilisation(m.routing.load); }),
      step("margin_mean", "top-k margin", "", G::Health, 0, [](S m) { return m.marginMean; }),
      step("fragile_fraction", "fragile rows", "", G::Health, 0,
           [](S m) { return m.fragileFraction; }),
      step("logit_scale", "router logit scale", "mean |logit|", G::Health, 0,
           [](S m) { return m.logitScale; }),
      stepVector("expert_grad_norm", "expert gradient norm", "", G::Health, 0,
                 [](S m) { return m.expertGradNorm; }),
      stepVector("expert_weight_norm", "expert weight norm", "", G::Health, 0,
                 [](S m) { return m.expertWeightNorm; }),
      evalVector("expert_utilisation", "test expert utilisation", "x fair share", G::ExpertShare,
                 0, [](E e) { return utilisation(e.routing.load); }),
      eval("margin_mean", "test top-k margin", "", G::Health, 0, [](E e) { return e.marginMean; }),
      eval("fragile_fraction", "test fragile rows", "", G::Health, 0,
           [](E e) { return e.fragileFraction; }),
      eval("routing_stability", "routing stability", "", G::Health, 0,
           [](E e) { return e.stability; }),
      eval("router_saturation", "router saturation", "", G::Health, 0,
           [](E e) { return e.saturation; }),
      // experts x experts, row-major: P(expert j | expert i) over the test rows.
      evalVector("coactivation", "co-activation P(j|i)", "", G::Health, 0,
                 [](E e) { return e.coactivation; }),
      // Model-, data- and run-specific rows (M): measured by some runs only, left out of the JSON
      // lines and history rows of the others.
      // Hierarchical mixture (hme): each node's share of the data, nodes breadth-first from the
      // root, and the training log-likelihood EM maximises. Empty / NaN for other models.
      stepVector("hme_node_share", "node share", "share", G::ExpertShare, M,
                 [](S m) { return m.nodeShare; }),
      evalVector("hme_node_share", "test node share", "share", G::ExpertShare, M,
                 [](E e) { return e.nodeShare; }),
      step("hme_em_data_passes", "EM passes over the data", "passes", G::Progress, M,
           [](S m) { return m.emDataPasses; }),
      eval("hme_train_log_likelihood", "train log-likelihood", "nats per row", G::Information, M,
           [](E e) { return e.trainLogLikelihood; }),
      // Translated images (shifted:*): what the first-choice expert tells about the offset.
      eval("offset_mutual_information_bits", "I(offset; expert)", "bits", G::Information, M,
           [](E e) { return e.offsetMutualInformation; }),
      // Deep MoE (several MoE layers): one value per layer, or every layer's experts in turn.
      stepVector("layer_load", "expert load, layer after layer", "share", G::ExpertShare, M,
                 [](S m) { return m.layerLoad; }),
      stepVector("layer_load_cv", "load CV per layer", "", G::Balance, M,
                 [](S m) { return m.layerLoadCv; }),
      evalVector("layer_mutual_information_bits", "I(class; expert) per layer", "bits",
                 G::Information, M, [](E e) { return perLayer(e, [](E l) { return l.mutualInformation; }); }),
      evalVector("layer_offset_mutual_information_bits", "I(offset; expert) per layer", "bits",
                 G::Information, M,
                 [](E e) { return perLayer(e, [](E l) { return l.offsetMutualInformation; }); }),
      evalVector("layer_load_cv", "test load CV per layer", "", G::Balance, M,
                 [](E e) { return perLayer(e, [](E l) { return l.routing.loadCv; }); }),
      // Expert parallelism (moe-train --parallel expert under mpirun): the window's Parallel
      // tab draws them. a2a_bytes is ranks x ranks, row-major (sender, receiver).
      stepVector("a2a_bytes", "all-to-all bytes (rank x rank)", "bytes", G::Throughput, M,
                 [](S m) { return m.exchangeBytes; }),
      step("a2a_bytes_between_ranks", "all-to-all bytes between ranks", "bytes", G::Throughput,
           M, [](S m) { return betweenRanks(m.exchangeBytes); }),
      stepVector("sync_bytes", "other collectives' bytes (rank x rank)", "bytes",
                 G::Throughput, M, [](S m) { return m.syncBytes; }),
      step("sync_bytes_between_ranks", "other collectives' bytes between ranks", "bytes",
           G::Throughput, M, [](S m) { return betweenRanks(m.syncBytes); }),
      step("a2a_seconds", "time in all-to-all", "s", G::Throughput, M,
           [](S m) { return m.exchangeSeconds; }),
      step("sync_seconds", "time in other collectives", "s", G::Throughput, M,
           [](S m) { return m.syncSeconds; }),
      step("compute_seconds", "compute time", "s", G::Throughput, M,
           [](S m) { return m.computeSeconds; }),
      stepVector("expert_rank", "expert placement (rank)", "rank", G::ExpertShare, M,
                 [](S m) { return m.expertRank; }),
  };
}

struct Selection {
  std::vector<const MetricDef*> scalars, vectors;
};

// [scope][quality] selections, built once from the table.
const std::array<std::array<Selection, 2>, 2>& selections() {
  static const auto all = [] {
    std::array<std::array<Selection, 2>, 2> out;
    for (const MetricDef& d : metricTable())
      for (Q q : {Q::Accuracy, Q::Rmse}) {
        if (!d.recordedFor(q)) continue;
        Selection& s = out[std::size_t(d.scope)][std::size_t(q)];
        (d.perExpert() ? s.vectors : s.scalars).push_back(&d);
      }
    return out;
  }();
  return all;
}

}  // namespace

const std::vector<MetricDef>& metricTable() {
  static const std::vector<MetricDef> table = buildTable();
  return table;
}

const std::vector<const MetricDef*>& scalarMetrics(MetricScope scope, QualityMetric quality) {
  return selections()[std::size_t(scope)][std::size_t(quality)].scalars;
}

const std::vector<const MetricDef*>& vectorMetrics(MetricScope scope, QualityMetric quality) {
  return selections()[std::size_t(scope)][std::size_t(quality)].vectors;
}

const MetricDef* findMetric(MetricScope scope, std::string_view id) {
  for (const MetricDef& d : metricTable())
    if (d.scope == scope && id == d.id) return &d;
  return nullptr;
}

const MetricDef& qualityMetricDef(MetricScope scope, QualityMetric quality) {
  for (const MetricDef* d : scalarMetrics(scope, quality))
    if (d->group == MetricGroup::Quality) return *d;
  // The table has one quality row per scope and quality metric (tests/core/test_metric_table).
  throw std::logic_error("the metric table lacks a quality row");
}

std::string metricKey(const MetricDef& def) {
  const std::string id = def.id;
  if (def.scope == MetricScope::Step || id.rfind("test_", 0) == 0) return id;
  return "test_" + id;
}

const QualityInfo& qualityInfo(QualityMetric quality) {
  static const QualityInfo accuracy{"accuracy", "accuracy", true, "cross-entropy"};
  static const QualityInfo rmse{"rmse", "RMSE", false, "squared error"};
  return quality == QualityMetric::Rmse ? rmse : accuracy;
}

std::optional<QualityMetric> parseQualityMetric(std::string_view id) {
  for (Q q : {Q::Accuracy, Q::Rmse})
    if (id == qualityInfo(q).id) return q;
  return std::nullopt;
}

const char* metricScopeName(MetricScope scope) {
  return scope == MetricScope::Step ? "step" : "eval";
}

}  // namespace moe::core
