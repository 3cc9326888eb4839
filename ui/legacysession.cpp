#include "ui/legacysession.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "core/train/json_number.h"

namespace moe::ui {

using nlohmann::json;

namespace {

constexpr const char* kFormat = "moe-explorer-session";

double num(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : std::nan("");
}

core::RoutingStats routingFrom(const json& j) {
  core::RoutingStats r;
  r.load = core::jsonFloats(j, "load");
  r.importance = core::jsonFloats(j, "importance");
  r.loadCv = num(j, "cv");
  r.maxVio = num(j, "maxVio");
  r.droppedFraction = num(j, "dropped");
  r.unroutedFraction = num(j, "unrouted");
  r.entropy = num(j, "entropy");
  r.deadExperts = core::jsonInteger(j, "dead", 0);
  return r;
}

}  // namespace

bool isLegacySession(const json& doc) {
  return doc.is_object() && doc.value("format", std::string()) == kFormat;
}

core::RunRecord readLegacySession(const json& doc) {
  core::RunRecord record;
  record.config = doc.at("config").get<core::TrainConfig>();
  const json& h = doc.at("history");
  // Through the records and the metric table, as if the rows were being trained now.
  for (const json& s : h.at("steps")) {
    core::StepMetrics m;
    m.step = core::jsonInteger(s, "step", 0L);
    m.epoch = core::jsonInteger(s, "epoch", 0);
    m.epochProgress = num(s, "progress");
    m.loss = num(s, "loss");
    m.quality = num(s, "accuracy");
    m.switchLoss = num(s, "switch");
    m.importanceLoss = num(s, "importance");
    m.loadLoss = num(s, "loadLoss");
    m.zLoss = num(s, "z");
    m.auxTotal = num(s, "aux");
    m.lr = num(s, "lr");
    m.samplesPerSecond = num(s, "sps");
    if (s.contains("routing")) m.routing = routingFrom(s["routing"]);
    record.history.append(m);
  }
  for (const json& s : h.at("evals")) {
    core::EvalReport e;
    e.step = core::jsonInteger(s, "step", 0L);
    e.epoch = core::jsonInteger(s, "epoch", 0);
    e.loss = num(s, "loss");
    e.quality = num(s, "accuracy");
    e.mutualInformation = num(s, "mi");
    if (s.contains("routing")) e.routing = routingFrom(s["routing"]);
    record.history.append(e);
  }
  return record;
}

}  // namespace moe::ui
