#pragma once
/** @file A run's metric history: one row per training step and per evaluation, with a value
 *  for each metric of the metric table. The Trainer and moe-train fill it; the window keeps a
 *  copy that survives rebuilds; history files store it (core/train/history_file.h). */
#include <cstddef>
#include <string_view>
#include <vector>

#include "core/train/metric_table.h"
#include "core/train/metrics.h"

namespace moe::core {

/** One step's or one evaluation's metrics, in the column order of its RunHistory and scope. */
struct HistoryRow {
  long step = 0;  ///< global step (an evaluation: the step it followed)
  int epoch = 0;
  std::vector<double> values;               ///< per scalar column; NaN: not recorded
  std::vector<std::vector<float>> vectors;  ///< per per-expert column; empty: not recorded
};

/** Where a poller is in a history it copies from (rows taken so far). */
struct HistoryCursor {
  std::size_t steps = 0;
  std::size_t evals = 0;
  std::size_t events = 0;
};

/**
 * The one store of a run's metrics. Columns are the metric table's rows for the run's quality
 * metric (scalarMetrics / vectorMetrics). Not thread-safe: the Trainer guards its own.
 */
class RunHistory {
 public:
  explicit RunHistory(QualityMetric quality = QualityMetric::Accuracy) : mQuality(quality) {}

  QualityMetric quality() const { return mQuality; }
  /** Re-labels a history whose rows did not say which quality metric they hold (session files
   *  of version 1): the values of the quality columns move to `quality`'s columns. */
  void setQuality(QualityMetric quality);

  const std::vector<const MetricDef*>& scalarColumns(MetricScope scope) const {
    return scalarMetrics(scope, mQuality);
  }
  const std::vector<const MetricDef*>& vectorColumns(MetricScope scope) const {
    return vectorMetrics(scope, mQuality);
  }
  /** Column of a metric id in a scope, or -1. */
  int scalarColumn(MetricScope scope, std::string_view id) const;
  int vectorColumn(MetricScope scope, std::string_view id) const;

  /** Appends a training step's row, each metric computed by its table row. */
  void append(const StepMetrics& m);
  /** Appends an evaluation's row. */
  void append(const EvalReport& e);
  /** Appends a row whose values are already in this history's column order (file readers).
   *  Missing trailing values are filled with NaN / empty vectors. */
  void appendRow(MetricScope scope, HistoryRow row);
  /** Appends a router-health event (core/train/router_health.h). */
  void appendEvent(RouterEvent event) { mEvents.push_back(std::move(event)); }
  const std::vector<RouterEvent>& events() const { return mEvents; }
  /** Appends the other history's rows and events from `from` on; advances `from` to its end. */
  void appendFrom(const RunHistory& other, HistoryCursor& from);

  const std::vector<HistoryRow>& rows(MetricScope scope) const {
    return scope == MetricScope::Step ? mSteps : mEvals;
  }
  const std::vector<HistoryRow>& steps() const { return mSteps; }
  const std::vector<HistoryRow>& evals() const { return mEvals; }
  bool empty() const { return mSteps.empty() && mEvals.empty(); }
  /** A scalar metric of one row by id; NaN when the run does not record it. */
  double value(MetricScope scope, std::size_t row, std::string_view id) const;
  void clear();

 private:
  QualityMetric mQuality;
  std::vector<HistoryRow> mSteps;
  std::vector<HistoryRow> mEvals;
  std::vector<RouterEvent> mEvents;
};

}  // namespace moe::core
