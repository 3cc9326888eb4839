#include "core/train/run_history.h"

#include <cmath>
#include <limits>

namespace moe::core {

namespace {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

int indexOf(const std::vector<const MetricDef*>& columns, std::string_view id) {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (id == columns[i]->id) return int(i);
  return -1;
}

// Where a column of the `to` quality takes its values from in the `from` quality's columns:
// the same metric, or for a quality row the other quality's row of the scope.
int sourceColumn(const std::vector<const MetricDef*>& from, const MetricDef& def) {
  const int same = indexOf(from, def.id);
  if (same >= 0 || !def.onlyFor) return same;
  for (std::size_t i = 0; i < from.size(); ++i)
    if (from[i]->onlyFor && from[i]->group == def.group) return int(i);
  return -1;
}

}  // namespace

int RunHistory::scalarColumn(MetricScope scope, std::string_view id) const {
  return indexOf(scalarColumns(scope), id);
}

int RunHistory::vectorColumn(MetricScope scope, std::string_view id) const {
  return indexOf(vectorColumns(scope), id);
}

void RunHistory::setQuality(QualityMetric quality) {
  if (quality == mQuality) return;
  for (MetricScope scope : {MetricScope::Step, MetricScope::Eval}) {
    const auto& oldScalars = scalarColumns(scope);
    const auto& newScalars = scalarMetrics(scope, quality);
    const auto& oldVectors = vectorColumns(scope);
    const auto& newVectors = vectorMetrics(scope, quality);
    for (HistoryRow& row : scope == MetricScope::Step ? mSteps : mEvals) {
      HistoryRow moved{row.step, row.epoch, {}, {}};
      for (const MetricDef* d : newScalars) {
        const int src = sourceColumn(oldScalars, *d);
        moved.values.push_back(src >= 0 && std::size_t(src) < row.values.size()
                                   ? row.values[std::size_t(src)] : kMissing);
      }
      for (const MetricDef* d : newVectors) {
        const int src = sourceColumn(oldVectors, *d);
        moved.vectors.push_back(src >= 0 && std::size_t(src) < row.vectors.size()
                                    ? std::move(row.vectors[std::size_t(src)])
                                    : std::vector<float>{});
      }
      row = std::move(moved);
    }
  }
  mQuality = quality;
}

void RunHistory::append(const StepMetrics& m) {
  HistoryRow row{m.step, m.epoch, {}, {}};
  const auto& scalars = scalarColumns(MetricScope::Step);
  row.values.reserve(scalars.size());
  for (const MetricDef* d : scalars) row.values.push_back(d->step(m));
  for (const MetricDef* d : vectorColumns(MetricScope::Step)) row.vectors.push_back(d->stepVector(m));
  mSteps.push_back(std::move(row));
}

void RunHistory::append(const EvalReport& e) {
  HistoryRow row{e.step, e.epoch, {}, {}};
  const auto& scalars = scalarColumns(MetricScope::Eval);
  row.values.reserve(scalars.size());
  for (const MetricDef* d : scalars) row.values.push_back(d->eval(e));
  for (const MetricDef* d : vectorColumns(MetricScope::Eval)) row.vectors.push_back(d->evalVector(e));
  mEvals.push_back(std::move(row));
}

void RunHistory::appendRow(MetricScope scope, HistoryRow row) {
  row.values.resize(scalarColumns(scope).size(), kMissing);
  row.vectors.resize(vectorColumns(scope).size());
  (scope == MetricScope::Step ? mSteps : mEvals).push_back(std::move(row));
}

void RunHistory::appendFrom(const RunHistory& other, HistoryCursor& from) {
  if (other.mQuality != mQuality) setQuality(other.mQuality);
  for (std::size_t i = from.steps; i < other.mSteps.size(); ++i) mSteps.push_back(other.mSteps[i]);
  for (std::size_t i = from.evals; i < other.mEvals.size(); ++i) mEvals.push_back(other.mEvals[i]);
  for (std::size_t i = from.events; i < other.mEvents.size(); ++i) mEvents.push_back(other.mEvents[i]);
  from.steps = other.mSteps.size();
  from.evals = other.mEvals.size();
  from.events = other.mEvents.size();
}

double RunHistory::value(MetricScope scope, std::size_t row, std::string_view id) const {
  const int column = scalarColumn(scope, id);
  const auto& rs = rows(scope);
  if (column < 0 || row >= rs.size()) return kMissing;
  return rs[row].values[std::size_t(column)];
}

void RunHistory::clear() {
  mSteps.clear();
  mEvals.clear();
  mEvents.clear();
}

}  // namespace moe::core
