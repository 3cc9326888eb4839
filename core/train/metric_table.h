#pragma once
/** @file The metric table: one row per metric a run's history records. The CLI's JSON lines,
 *  the history files, the window's session files, its CSV export and its plots all iterate
 *  this table, so a new metric is one row in metric_table.cpp (and, when it is a new
 *  measurement, the field of StepMetrics or EvalReport it is read from). */
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/train/metrics.h"

namespace moe::core {

/** Which record a metric is read from. */
enum class MetricScope : std::uint8_t {
  Step,  ///< every training step (StepMetrics)
  Eval,  ///< every evaluation on the test split (EvalReport)
};

/** What a metric is about. The window draws the plotted rows of a group on one plot. */
enum class MetricGroup : std::uint8_t {
  Progress,     ///< where in the run a row is
  Loss,         ///< the task loss
  Quality,      ///< the task's quality metric (accuracy or RMSE)
  AuxLoss,      ///< unweighted auxiliary losses and their weighted total
  Optimizer,    ///< optimizer settings in effect (learning rate)
  Throughput,   ///< training speed
  Balance,      ///< routing imbalance and coverage: load CV, MaxVio, drops, entropy, dead experts
  ExpertShare,  ///< per-expert vectors: load and importance shares
  Information,  ///< what routing tells about the classes (mutual information)
  Health,       ///< router diagnostics: margins, logit scale, stability, saturation, norms
};

/** Hints for the consumers of a row (bits of MetricDef::flags). */
enum MetricFlag : unsigned {
  kPlotted = 1u << 0,    ///< the window draws it on its group's plot
  kRightAxis = 1u << 1,  ///< of another scale than the rest of its group: the plot's right axis
  kInteger = 1u << 2,    ///< a count: files and JSON write it as an integer
  kSummary = 1u << 3,    ///< Eval scope: also in moe-train's final summary line
  kAggregate = 1u << 4,  ///< a total or a count over the group's other rows: drawn in a neutral
                         ///< colour that the group's other rows do not share
  kWhenMeasured = 1u << 5,  ///< measured by some models, data or runs only (hme, deep-moe,
                            ///< shifted images, expert parallelism, a balancing bias): JSON
                            ///< lines and history rows leave it out where it is NaN or empty
};

/** One metric: its key, how people read it, and how it is read from a step or evaluation. */
struct MetricDef {
  const char* id;     ///< the JSON, CSV and history-file key; unique within its scope
  const char* label;  ///< for plots and tables
  const char* unit;   ///< "" when dimensionless
  MetricGroup group;
  MetricScope scope;
  /** Recorded only by runs whose task reports this quality metric (empty: by every run). */
  std::optional<QualityMetric> onlyFor;
  unsigned flags = 0;
  /** How it is computed: the one extractor that matches the scope and shape is set. */
  double (*step)(const StepMetrics&) = nullptr;
  double (*eval)(const EvalReport&) = nullptr;
  std::vector<float> (*stepVector)(const StepMetrics&) = nullptr;  ///< one value per expert
  std::vector<float> (*evalVector)(const EvalReport&) = nullptr;   ///< one value per expert

  bool perExpert() const { return stepVector != nullptr || evalVector != nullptr; }
  bool has(MetricFlag f) const { return (flags & f) != 0; }
  /** Whether a run whose task reports `quality` records this metric. */
  bool recordedFor(QualityMetric quality) const { return !onlyFor || *onlyFor == quality; }
};

/** Every metric, in the order tables and CSV columns list them. */
const std::vector<MetricDef>& metricTable();

/** The rows of one scope that a run reporting `quality` records, in table order; scalars and
 *  per-expert vectors apart. */
const std::vector<const MetricDef*>& scalarMetrics(MetricScope scope, QualityMetric quality);
const std::vector<const MetricDef*>& vectorMetrics(MetricScope scope, QualityMetric quality);

/** The row with this id in this scope, or null. */
const MetricDef* findMetric(MetricScope scope, std::string_view id);
/** The quality row of a scope for a task's quality metric ("train_accuracy", "test_rmse", ...). */
const MetricDef& qualityMetricDef(MetricScope scope, QualityMetric quality);

/** A key unique across both scopes (CSV columns, plot curves): the id, with evaluation rows
 *  that do not already say so prefixed by "test_" ("load_cv" -> "test_load_cv"). */
std::string metricKey(const MetricDef& def);

/** How a quality metric is named and read. */
struct QualityInfo {
  const char* id;        ///< "accuracy" | "rmse" (history-file headers)
  const char* label;     ///< "accuracy" | "RMSE"
  bool higherIsBetter;
  const char* lossLabel;  ///< what the task loss is: "cross-entropy" | "squared error"
};
const QualityInfo& qualityInfo(QualityMetric quality);
/** The quality metric with this QualityInfo::id, or nullopt. */
std::optional<QualityMetric> parseQualityMetric(std::string_view id);

const char* metricScopeName(MetricScope scope);  ///< "step" | "eval"

}  // namespace moe::core
