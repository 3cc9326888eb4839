#include "core/train/torch_export.h"

#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include "core/model/model.h"
#include "core/train/metrics.h"
#include "core/train/session.h"
#include "core/train/torch_layout.h"

namespace moe::core {

namespace {

std::string shapeText(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// The values of entry t (PyTorch's layout) from its parameter's host copy.
std::vector<float> gather(const TorchEntry& t, const std::vector<float>& host, int cols) {
  std::vector<float> out(std::size_t(t.rows) * std::size_t(cols));
  for (int r = 0; r < t.rows; ++r)
    for (int c = 0; c < cols; ++c) {
      const float v = host[std::size_t(t.rowBegin + r) * std::size_t(cols) + std::size_t(c)];
      out[t.transpose ? std::size_t(c) * t.rows + r : std::size_t(r) * cols + c] = v;
    }
  return out;
}

// The inverse of gather: PyTorch's values of entry t into the parameter's host copy.
void scatter(const TorchEntry& t, const std::vector<float>& values, std::vector<float>& host,
             int cols) {
  for (int r = 0; r < t.rows; ++r)
    for (int c = 0; c < cols; ++c)
      host[std::size_t(t.rowBegin + r) * std::size_t(cols) + std::size_t(c)] =
          values[t.transpose ? std::size_t(c) * t.rows + r : std::size_t(r) * cols + c];
}

}  // namespace

std::string torchConfigPath(const std::string& path) {
  const std::string ext = ".safetensors";
  if (path.size() > ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0)
    return path.substr(0, path.size() - ext.size()) + ".json";
  return path + ".json";
}

void exportSafetensors(Session& session, const std::string& path) {
  Model& model = session.model();
  compute::Backend& backend = session.backend();
  SafeTensors file;
  const nlohmann::json config = torchConfig(session);
  const std::string configPath = torchConfigPath(path);
  file.metadata = {{"format", "pt"},
                   {"moe_explorer_model", config["model"].get<std::string>()},
                   {"moe_explorer_config", configPath.substr(configPath.rfind('/') + 1)}};
  std::map<const Parameter*, std::vector<float>> host;
  for (const TorchEntry& t : torchLayout(model)) {
    if (!t.param) {
      const std::vector<float> state = model.moeLayers()[std::size_t(t.routerLayer)]->router().state();
      file.tensors.push_back(f32Tensor(t.name, t.shape, state));
      continue;
    }
    auto [it, fresh] = host.try_emplace(t.param);
    if (fresh) it->second = compute::toHost(backend, t.param->value);
    file.tensors.push_back(f32Tensor(t.name, t.shape, gather(t, it->second, t.param->value.cols())));
  }
  {
    std::ofstream out(configPath, std::ios::trunc);
    out << config.dump(2) << "\n";
    if (!out.flush()) throw SafetensorsError("cannot write '" + configPath + "'");
  }
  writeSafetensors(path, file);
}

nlohmann::json readTorchConfig(const std::string& path) {
  const std::string configPath = torchConfigPath(path);
  std::ifstream in(configPath);
  if (!in)
    throw SafetensorsError("'" + path + "' needs its config '" + configPath +
                           "' beside it (written by --export-safetensors or scripts/to_pytorch.py)");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw SafetensorsError("'" + configPath + "' is not valid JSON: " + e.what());
  }
  if (!j.is_object() || j.value("format", nlohmann::json()) != "moe-explorer-torch")
    throw SafetensorsError("'" + configPath + "' is not a moe-explorer-torch config (its \"format\")");
  if (j.value("version", nlohmann::json()) != 1)
    throw SafetensorsError("'" + configPath + "' has version " +
                           j.value("version", nlohmann::json()).dump() + "; this build reads 1");
  if (!j.contains("moe_train_config") || !j["moe_train_config"].is_object())
    throw SafetensorsError("'" + configPath + "' has no \"moe_train_config\" object");
  return j;
}

void importSafetensors(Session& session, const std::string& path) {
  const SafeTensors file = readSafetensors(path);
  Model& model = session.model();
  const std::vector<TorchEntry> layout = torchLayout(model);
  const std::string at = "'" + path + "': ";
  // Everything is checked before the model changes.
  std::set<std::string> wanted;
  std::vector<std::vector<float>> values;
  for (const TorchEntry& t : layout) {
    wanted.insert(t.name);
    const SafeTensor* s = file.find(t.name);
    if (!s)
      throw SafetensorsError(at + "has no tensor '" + t.name + "' " + shapeText(t.shape) +
                             ", which the model needs (another model or other settings?)");
    if (s->dtype != "F32")
      throw SafetensorsError(at + "tensor '" + t.name + "' is " + s->dtype +
                             "; moe-train loads F32 only (in PyTorch: .float())");
    if (s->shape != t.shape)
      throw SafetensorsError(at + "tensor '" + t.name + "' is " + shapeText(s->shape) +
                             "; the model's is " + shapeText(t.shape) + " (other settings?)");
    values.push_back(s->floats());
    for (std::size_t i = 0; i < values.back().size(); ++i)
      if (!std::isfinite(values.back()[i]))
        throw SafetensorsError(at + "tensor '" + t.name + "' holds a non-finite value at index " +
                               std::to_string(i));
  }
  for (const SafeTensor& s : file.tensors)
    if (!wanted.count(s.name))
      throw SafetensorsError(at + "holds tensor '" + s.name + "' " + shapeText(s.shape) +
                             ", which the model has no place for (another model or other settings?)");
  // Router state first: a router may refuse its values, and then nothing has changed.
  const std::vector<MoeLayer*> layers = model.moeLayers();
  std::vector<std::vector<float>> previous;
  for (MoeLayer* layer : layers) previous.push_back(layer->router().state());
  std::size_t i = 0;
  try {
    for (; i < layout.size(); ++i)
      if (!layout[i].param)
        layers[std::size_t(layout[i].routerLayer)]->router().setState(std::span<const float>(values[i]));
  } catch (const RouterStateError& e) {
    for (std::size_t l = 0; l < layers.size(); ++l)
      layers[l]->router().setState(std::span<const float>(previous[l]));
    throw SafetensorsError(at + "tensor '" + layout[i].name + "': " + e.what());
  }
  compute::Backend& backend = session.backend();
  std::map<Parameter*, std::vector<float>> host;
  for (std::size_t j = 0; j < layout.size(); ++j) {
    const TorchEntry& t = layout[j];
    if (!t.param) continue;
    auto [it, fresh] = host.try_emplace(t.param);
    if (fresh) it->second = compute::toHost(backend, t.param->value);
    scatter(t, values[j], it->second, t.param->value.cols());
  }
  for (auto& [param, data] : host) backend.write(param->value, std::span<const float>(data));
}

void writePredictions(const EvalReport& report, const std::string& path) {
  if (report.regression || report.predictions.empty())
    throw SafetensorsError("cannot write predictions to '" + path +
                           "': the evaluation has no class predictions");
  const std::int64_t rows = std::int64_t(report.predictions.size());
  SafeTensors file;
  file.tensors.push_back(i32Tensor("predictions", {rows}, report.predictions));
  file.tensors.push_back(i32Tensor("labels", {rows}, report.labels));
  file.tensors.push_back(f32Tensor("confidence", {rows}, report.predictionConfidence));
  if (report.k > 0 && report.topExperts.size() == std::size_t(rows) * std::size_t(report.k))
    file.tensors.push_back(i32Tensor("top_experts", {rows, report.k}, report.topExperts));
  writeSafetensors(path, file);
}

}  // namespace moe::core
