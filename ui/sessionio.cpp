#include "ui/sessionio.h"

#include <cmath>
#include <algorithm>
#include <map>
#include <optional>

#include <QFile>
#include <QSaveFile>
#include <QTextStream>
#include <nlohmann/json.hpp>

#include "core/train/history_file.h"
#include "ui/legacysession.h"

namespace moe::ui {

using core::MetricScope;

namespace {

bool writeAll(const QString& path, const QByteArray& bytes, QString* error) {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
    if (error) *error = QObject::tr("Cannot write %1: %2").arg(path, file.errorString());
    return false;
  }
  return true;
}

// A legacy session.json is one JSON document; a run history is one object per line.
std::optional<nlohmann::json> legacyDocument(const QByteArray& bytes) {
  try {
    nlohmann::json doc = nlohmann::json::parse(bytes.constData(), bytes.constData() + bytes.size());
    if (isLegacySession(doc)) return doc;
  } catch (const nlohmann::json::exception&) {
  }
  return std::nullopt;
}

}  // namespace

bool writeSessionFile(const QString& path, const core::TrainConfig& config,
                      const core::RunHistory& history, QString* error) {
  std::string text;
  try {
    text = core::historyText(config, history);
  } catch (const std::exception& e) {
    if (error) *error = QString::fromUtf8(e.what());
    return false;
  }
  return writeAll(path, QByteArray::fromStdString(text), error);
}

bool readSessionFile(const QString& path, core::TrainConfig* config, core::RunHistory* history,
                     QString* error) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    if (error) *error = QObject::tr("Cannot read %1: %2").arg(path, file.errorString());
    return false;
  }
  const QByteArray bytes = file.readAll();
  try {
    core::RunRecord record;
    if (const auto doc = legacyDocument(bytes))
      record = readLegacySession(*doc);
    else
      record = core::parseHistory(std::string_view(bytes.constData(), std::size_t(bytes.size())),
                                  path.toStdString());
    *config = std::move(record.config);
    *history = std::move(record.history);
  } catch (const std::exception& e) {
    if (error) *error = QObject::tr("%1 is not a valid session: %2").arg(path, QString::fromUtf8(e.what()));
    return false;
  }
  return true;
}

bool exportMetricsCsv(const QString& path, const core::RunHistory& history, QString* error) {
  const core::QualityMetric quality = history.quality();
  const auto& steps = history.steps();
  const auto& evals = history.evals();
  std::map<long, std::size_t> evalAt;  // step -> its (last) evaluation
  for (std::size_t i = 0; i < evals.size(); ++i) evalAt[evals[i].step] = i;

  // Scalar columns in table order (steps' and evaluations' interleaved as the table lists
  // them), then one column per expert for each per-expert metric.
  struct Column {
    MetricScope scope;
    int index;   // column in the history's rows of that scope
    int expert;  // -1: a scalar
  };
  std::vector<Column> columns;
  QByteArray out;
  QTextStream ts(&out);
  ts << "step,epoch";
  for (const core::MetricDef& d : core::metricTable()) {
    if (!d.recordedFor(quality) || d.perExpert()) continue;
    columns.push_back({d.scope, history.scalarColumn(d.scope, d.id), -1});
    ts << ',' << QString::fromStdString(core::metricKey(d));
  }
  for (const core::MetricDef& d : core::metricTable()) {
    if (!d.recordedFor(quality) || !d.perExpert()) continue;
    const int index = history.vectorColumn(d.scope, d.id);
    std::size_t experts = 0;
    for (const core::HistoryRow& r : history.rows(d.scope))
      experts = std::max(experts, r.vectors[std::size_t(index)].size());
    for (std::size_t e = 0; e < experts; ++e) {
      columns.push_back({d.scope, index, int(e)});
      ts << ',' << QString::fromStdString(core::metricKey(d)) << "_e" << e;
    }
  }
  ts << '\n';
  for (const core::HistoryRow& s : steps) {
    ts << s.step << ',' << s.epoch;
    const auto it = evalAt.find(s.step);
    const core::HistoryRow* e = it != evalAt.end() ? &evals[it->second] : nullptr;
    for (const Column& c : columns) {
      ts << ',';
      const core::HistoryRow* row = c.scope == MetricScope::Step ? &s : e;
      if (!row) continue;
      double v = std::nan("");
      if (c.expert < 0) {
        v = row->values[std::size_t(c.index)];
      } else {
        const auto& vec = row->vectors[std::size_t(c.index)];
        if (std::size_t(c.expert) < vec.size()) v = double(vec[std::size_t(c.expert)]);
      }
      if (std::isfinite(v)) ts << QString::number(v, 'g', 8);
    }
    ts << '\n';
  }
  ts.flush();
  return writeAll(path, out, error);
}

}  // namespace moe::ui
