#include "core/train/history_file.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/train/json_number.h"
#include "core/train/router_health.h"

namespace moe::core {

using nlohmann::json;

namespace {

constexpr const char* kFormat = "moe-run-history";
constexpr int kVersion = 1;

json scalarJson(const MetricDef& def, double v) {
  if (!std::isfinite(v)) return nullptr;
  if (def.has(kInteger)) return static_cast<long long>(std::llround(v));
  return v;
}

json rowJson(const RunHistory& h, MetricScope scope, std::size_t i) {
  const HistoryRow& r = h.rows(scope)[i];
  json j = {{"row", metricScopeName(scope)}, {"step", r.step}, {"epoch", r.epoch}};
  j.update(metricsJson(h, scope, i));
  return j;
}

json headerJson(const TrainConfig& config, QualityMetric quality) {
  json metrics = json::array();
  for (const MetricDef& d : metricTable()) {
    if (!d.recordedFor(quality)) continue;
    metrics.push_back({{"id", d.id}, {"scope", metricScopeName(d.scope)}, {"label", d.label},
                       {"unit", d.unit}, {"per_expert", d.perExpert()}});
  }
  json header = {{"format", kFormat}, {"version", kVersion},
                 {"quality", qualityInfo(quality).id}, {"metrics", metrics}};
  try {
    header["config"] = config;
  } catch (const std::exception& e) {
    throw HistoryFileError(std::string("cannot write the run's settings: ") + e.what());
  }
  return header;
}

double numberOrNan(const json& v, const std::string& where) {
  if (v.is_null()) return std::numeric_limits<double>::quiet_NaN();
  if (!v.is_number()) throw HistoryFileError(where + " is not a number");
  return v.get<double>();
}

HistoryRow parseRow(const json& j, const RunHistory& h, MetricScope scope, const std::string& at) {
  HistoryRow row;
  const auto step = j.find("step");
  if (step == j.end() || !step->is_number_integer())
    throw HistoryFileError(at + "a row needs an integer \"step\"");
  row.step = jsonInteger(j, "step", 0L);
  row.epoch = jsonInteger(j, "epoch", 0);
  for (const MetricDef* d : h.scalarColumns(scope)) {
    const auto it = j.find(d->id);
    row.values.push_back(it == j.end() ? std::numeric_limits<double>::quiet_NaN()
                                       : numberOrNan(*it, at + "\"" + d->id + "\""));
  }
  for (const MetricDef* d : h.vectorColumns(scope)) {
    std::vector<float> values;
    const auto it = j.find(d->id);
    if (it != j.end() && !it->is_null()) {
      if (!it->is_array()) throw HistoryFileError(at + "\"" + d->id + "\" is not a list");
      for (const json& v : *it) {
        const double x = numberOrNan(v, at + "\"" + d->id + "\"");
        if (std::abs(x) > double(std::numeric_limits<float>::max()))  // a float cast: UB
          throw HistoryFileError(at + "\"" + d->id + "\" holds a value out of range");
        values.push_back(float(x));
      }
    }
    row.vectors.push_back(std::move(values));
  }
  return row;
}

// One line after its JSON parse: the header (first) or a step / evaluation row.
void readLine(const json& j, const std::string& at, bool& header, RunRecord& record) {
  if (!header) {
    if (j.value("format", std::string()) != kFormat)
      throw HistoryFileError(at + "not a run history (the first line has no \"format\": \"" +
                             kFormat + "\")");
    const int version = jsonInteger(j, "version", 0);
    if (version > kVersion)
      throw HistoryFileError(at + "written by a newer version (format version " +
                             std::to_string(version) + ")");
    const auto quality = parseQualityMetric(j.value("quality", std::string("accuracy")));
    if (!quality) throw HistoryFileError(at + "unknown quality metric");
    record.history = RunHistory(*quality);
    try {
      record.config = j.at("config").get<TrainConfig>();
    } catch (const std::exception& e) {
      throw HistoryFileError(at + "settings: " + e.what());
    }
    header = true;
    return;
  }
  const std::string kind = j.value("row", std::string());
  if (kind == "event") {
    RouterEvent e;
    e.kind = j.value("event", std::string());
    if (e.kind.empty()) throw HistoryFileError(at + "an event row needs an \"event\"");
    e.step = j.value("step", 0L);
    e.experts = j.value("experts", std::vector<int>());
    e.message = j.value("message", std::string());
    e.remedy = j.value("remedy", std::string());
    record.history.appendEvent(std::move(e));
    return;
  }
  if (kind != metricScopeName(MetricScope::Step) && kind != metricScopeName(MetricScope::Eval))
    throw HistoryFileError(at + "\"row\" must be \"step\", \"eval\" or \"event\"");
  const MetricScope scope = kind == "step" ? MetricScope::Step : MetricScope::Eval;
  record.history.appendRow(scope, parseRow(j, record.history, scope, at));
}

}  // namespace

json metricsJson(const RunHistory& h, MetricScope scope, std::size_t i, unsigned requireFlags) {
  const HistoryRow& r = h.rows(scope)[i];
  json j = json::object();
  const auto& scalars = h.scalarColumns(scope);
  // A model-specific metric this run did not measure is left out (readers take it as not
  // measured: NaN or empty), not written as null or [] on every line.
  for (std::size_t c = 0; c < scalars.size(); ++c)
    if ((scalars[c]->flags & requireFlags) == requireFlags &&
        !(scalars[c]->has(kWhenMeasured) && std::isnan(r.values[c])))
      j[scalars[c]->id] = scalarJson(*scalars[c], r.values[c]);
  const auto& vectors = h.vectorColumns(scope);
  for (std::size_t c = 0; c < vectors.size(); ++c)
    if ((vectors[c]->flags & requireFlags) == requireFlags &&
        !(vectors[c]->has(kWhenMeasured) && r.vectors[c].empty()))
      j[vectors[c]->id] = r.vectors[c];
  return j;
}

std::string historyText(const TrainConfig& config, const RunHistory& history) {
  std::string out = headerJson(config, history.quality()).dump() + '\n';
  // Steps and evaluations interleaved as they happened: an evaluation follows its step.
  const auto& steps = history.steps();
  const auto& evals = history.evals();
  const auto& events = history.events();
  std::size_t e = 0, v = 0;
  auto line = [&](MetricScope scope, std::size_t i) {
    out += rowJson(history, scope, i).dump(-1, ' ', false, json::error_handler_t::replace);
    out += '\n';
  };
  // An event follows the rows of the step at which it fired.
  auto eventsUpTo = [&](long step) {
    for (; v < events.size() && events[v].step <= step; ++v)
      out += "{\"row\":\"event\"," + routerEventJson(events[v]).substr(1) + '\n';
  };
  for (std::size_t s = 0; s < steps.size(); ++s) {
    for (; e < evals.size() && evals[e].step < steps[s].step; ++e) line(MetricScope::Eval, e);
    eventsUpTo(steps[s].step - 1);
    line(MetricScope::Step, s);
    for (; e < evals.size() && evals[e].step == steps[s].step; ++e) line(MetricScope::Eval, e);
    eventsUpTo(steps[s].step);
  }
  for (; e < evals.size(); ++e) line(MetricScope::Eval, e);
  eventsUpTo(std::numeric_limits<long>::max());
  return out;
}

RunRecord parseHistory(std::string_view text, const std::string& name) {
  RunRecord record;
  std::istringstream in{std::string(text)};
  std::string line;
  int number = 0;
  bool header = false;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string at = name + ":" + std::to_string(number) + ": ";
    json j;
    try {
      j = json::parse(line);
    } catch (const json::exception& e) {
      throw HistoryFileError(at + "not JSON (" + e.what() + ")");
    }
    if (!j.is_object()) throw HistoryFileError(at + "expected a JSON object");
    try {
      readLine(j, at, header, record);
    } catch (const HistoryFileError&) {
      throw;
    } catch (const std::exception& e) {  // the JSON library's, or a number out of range
      throw HistoryFileError(at + e.what());
    }
  }
  if (!header) throw HistoryFileError(name + ": empty, not a run history");
  return record;
}

void writeHistoryFile(const std::string& path, const TrainConfig& config,
                      const RunHistory& history) {
  const std::string text = historyText(config, history);
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw HistoryFileError("cannot write '" + tmp + "': " + std::strerror(errno));
  const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const int err = errno;
  if (std::fclose(f) != 0 || !written) {
    std::remove(tmp.c_str());
    throw HistoryFileError("cannot write '" + tmp + "': " + std::strerror(err));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    std::remove(tmp.c_str());
    throw HistoryFileError("cannot move the history into place at '" + path +
                           "': " + std::strerror(e));
  }
}

RunRecord readHistoryFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw HistoryFileError("cannot read '" + path + "': " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return parseHistory(text.str(), path);
}

}  // namespace moe::core
