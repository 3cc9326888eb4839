#include "ui/sessionio.h"

#include <cmath>
#include <map>

#include <QFile>
#include <QSaveFile>
#include <QTextStream>
#include <nlohmann/json.hpp>

namespace moe::ui {

using nlohmann::json;

namespace {

constexpr const char* kFormat = "moe-explorer-session";

json routingJson(const core::RoutingStats& r) {
  return {{"load", r.load},         {"importance", r.importance},
          {"cv", r.loadCv},         {"maxVio", r.maxVio},
          {"dropped", r.droppedFraction}, {"unrouted", r.unroutedFraction},
          {"entropy", r.entropy},   {"dead", r.deadExperts}};
}

core::RoutingStats routingFrom(const json& j) {
  core::RoutingStats r;
  r.load = j.value("load", std::vector<float>{});
  r.importance = j.value("importance", std::vector<float>{});
  r.loadCv = j.value("cv", 0.0);
  r.maxVio = j.value("maxVio", 0.0);
  r.droppedFraction = j.value("dropped", 0.0);
  r.unroutedFraction = j.value("unrouted", 0.0);
  r.entropy = j.value("entropy", 0.0);
  r.deadExperts = j.value("dead", 0);
  return r;
}

bool writeAll(const QString& path, const QByteArray& bytes, QString* error) {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
    if (error) *error = QObject::tr("Cannot write %1: %2").arg(path, file.errorString());
    return false;
  }
  return true;
}

}  // namespace

bool writeSessionFile(const QString& path, const core::TrainConfig& config,
                      const MetricHistory& history, QString* error) {
  json steps = json::array();
  for (const core::StepMetrics& m : history.steps) {
    steps.push_back({{"step", m.step},           {"epoch", m.epoch},
                     {"progress", m.epochProgress}, {"loss", m.loss},
                     {"accuracy", m.accuracy},   {"switch", m.switchLoss},
                     {"importance", m.importanceLoss}, {"loadLoss", m.loadLoss},
                     {"z", m.zLoss},             {"aux", m.auxTotal},
                     {"lr", m.lr},               {"sps", m.samplesPerSecond},
                     {"routing", routingJson(m.routing)}});
  }
  json evals = json::array();
  for (const EvalPoint& e : history.evals) {
    evals.push_back({{"step", e.step}, {"epoch", e.epoch}, {"loss", e.loss},
                     {"accuracy", e.accuracy}, {"mi", e.mutualInformation},
                     {"routing", routingJson(e.routing)}});
  }
  json doc;
  doc["format"] = kFormat;
  doc["version"] = 1;
  try {
    doc["config"] = config;
  } catch (const std::exception& e) {
    if (error) *error = QString::fromUtf8(e.what());
    return false;
  }
  doc["history"] = {{"steps", steps}, {"evals", evals}};
  // NaN losses are legal history; dump them as null rather than failing.
  const std::string text = doc.dump(1, ' ', false, json::error_handler_t::replace);
  return writeAll(path, QByteArray::fromStdString(text), error);
}

bool readSessionFile(const QString& path, core::TrainConfig* config, MetricHistory* history,
                     QString* error) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    if (error) *error = QObject::tr("Cannot read %1: %2").arg(path, file.errorString());
    return false;
  }
  try {
    const json doc = json::parse(file.readAll().toStdString());
    if (doc.value("format", std::string()) != kFormat)
      throw std::runtime_error("not a MoE Explorer session file");
    *config = doc.at("config").get<core::TrainConfig>();
    history->clear();
    const json& h = doc.at("history");
    auto num = [](const json& j, const char* key) {
      const auto it = j.find(key);
      return it != j.end() && it->is_number() ? it->get<double>() : std::nan("");
    };
    for (const json& s : h.at("steps")) {
      core::StepMetrics m;
      m.step = s.value("step", 0L);
      m.epoch = s.value("epoch", 0);
      m.epochProgress = num(s, "progress");
      m.loss = num(s, "loss");
      m.accuracy = num(s, "accuracy");
      m.switchLoss = num(s, "switch");
      m.importanceLoss = num(s, "importance");
      m.loadLoss = num(s, "loadLoss");
      m.zLoss = num(s, "z");
      m.auxTotal = num(s, "aux");
      m.lr = num(s, "lr");
      m.samplesPerSecond = num(s, "sps");
      if (s.contains("routing")) m.routing = routingFrom(s["routing"]);
      history->steps.push_back(std::move(m));
    }
    for (const json& s : h.at("evals")) {
      EvalPoint e;
      e.step = s.value("step", 0L);
      e.epoch = s.value("epoch", 0);
      e.loss = num(s, "loss");
      e.accuracy = num(s, "accuracy");
      e.mutualInformation = num(s, "mi");
      if (s.contains("routing")) e.routing = routingFrom(s["routing"]);
      history->evals.push_back(e);
    }
  } catch (const std::exception& e) {
    if (error) *error = QObject::tr("%1 is not a valid session: %2").arg(path, QString::fromUtf8(e.what()));
    return false;
  }
  return true;
}

bool exportMetricsCsv(const QString& path, const MetricHistory& history, QString* error) {
  std::map<long, const EvalPoint*> evalAt;
  for (const EvalPoint& e : history.evals) evalAt[e.step] = &e;
  int experts = 0;
  for (const core::StepMetrics& m : history.steps) experts = std::max(experts, int(m.routing.load.size()));
  QByteArray out;
  QTextStream ts(&out);
  ts << "step,epoch,epoch_progress,train_loss,train_accuracy,test_loss,test_accuracy,"
        "switch_loss,importance_loss,load_loss,z_loss,aux_total,lr,samples_per_s,"
        "load_cv,max_vio,dropped_fraction,unrouted_fraction,routing_entropy,dead_experts";
  for (int e = 0; e < experts; ++e) ts << ",load_e" << e;
  ts << '\n';
  auto put = [&ts](double v) {
    ts << ',';
    if (std::isfinite(v)) ts << QString::number(v, 'g', 8);
  };
  for (const core::StepMetrics& m : history.steps) {
    ts << m.step << ',' << m.epoch;
    put(m.epochProgress);
    put(m.loss);
    put(m.accuracy);
    const auto it = evalAt.find(m.step);
    if (it != evalAt.end()) {
      put(it->second->loss);
      put(it->second->accuracy);
    } else {
      ts << ",,";
    }
    for (double v : {m.switchLoss, m.importanceLoss, m.loadLoss, m.zLoss, m.auxTotal, m.lr,
                     m.samplesPerSecond, m.routing.loadCv, m.routing.maxVio,
                     m.routing.droppedFraction, m.routing.unroutedFraction, m.routing.entropy})
      put(v);
    ts << ',' << m.routing.deadExperts;
    for (int e = 0; e < experts; ++e)
      put(e < int(m.routing.load.size()) ? double(m.routing.load[std::size_t(e)]) : std::nan(""));
    ts << '\n';
  }
  ts.flush();
  return writeAll(path, out, error);
}

}  // namespace moe::ui
