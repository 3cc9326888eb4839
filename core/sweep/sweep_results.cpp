#include "core/sweep/sweep_results.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace moe::core {

namespace {

std::string csvCell(const nlohmann::ordered_json& v) {
  if (v.is_null()) return "";
  std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string quoted = "\"";
  for (char c : s) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

void writeAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw SweepError("cannot write '" + tmp + "'");
    out << text;
    out.flush();
    if (!out) throw SweepError("cannot write '" + tmp + "' (disk full?)");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw SweepError("cannot replace '" + path + "' with '" + tmp + "'");
}

std::string qualityKey(const SweepRow& row) {
  return row.contains("test_rmse") ? "test_rmse" : "test_accuracy";
}

}  // namespace

const std::vector<std::string>& sweepRowColumns() {
  static const std::vector<std::string> columns{
      "run", "status", "test_loss", "params_total", "params_active_per_input",
      "train_flops_per_sample", "inference_flops_per_sample", "train_seconds",
      "train_samples_per_s", "run_seconds", "load_cv", "max_vio", "dropped_fraction",
      "dead_experts", "mutual_information", "steps", "epochs", "threads", "history", "config"};
  return columns;
}

bool isCompleteRow(const SweepRow& row, const SweepRun& run) {
  if (!row.is_object() || row.value("run", "") != run.id) return false;
  const std::string status = row.value("status", "");
  if (status != "done" && status != "diverged") return false;
  for (const std::string& c : sweepRowColumns())
    if (!row.contains(c)) return false;
  if (!row.contains("test_accuracy") && !row.contains("test_rmse")) return false;
  for (auto it = run.columns.begin(); it != run.columns.end(); ++it)
    if (!row.contains(it.key())) return false;
  TrainConfig stored;
  try {
    from_json(nlohmann::json::parse(row["config"].dump()), stored);
  } catch (const std::exception&) {
    return false;
  }
  return resultDefiningConfig(stored) == resultDefiningConfig(run.config);
}

std::vector<SweepRow> readSweepResults(const std::string& dir) {
  std::vector<SweepRow> rows;
  std::ifstream in(dir + "/results.jsonl", std::ios::binary);
  std::string line;
  while (std::getline(in, line)) {
    SweepRow row = SweepRow::parse(line, nullptr, false);
    if (!row.is_discarded() && row.is_object()) rows.push_back(std::move(row));
  }
  return rows;
}

std::string sweepCsv(const std::vector<SweepRow>& rows) {
  std::vector<std::string> columns;
  for (const SweepRow& r : rows)
    for (auto it = r.begin(); it != r.end(); ++it)
      if (it.key() != "config" && std::find(columns.begin(), columns.end(), it.key()) == columns.end())
        columns.push_back(it.key());
  std::ostringstream out;
  for (std::size_t c = 0; c < columns.size(); ++c) out << (c ? "," : "") << columns[c];
  out << "\n";
  for (const SweepRow& r : rows) {
    for (std::size_t c = 0; c < columns.size(); ++c)
      out << (c ? "," : "") << (r.contains(columns[c]) ? csvCell(r[columns[c]]) : "");
    out << "\n";
  }
  return out.str();
}

void writeSweepResults(const std::string& dir, const std::vector<SweepRow>& rows) {
  std::string jsonl;
  for (const SweepRow& r : rows) jsonl += r.dump() + "\n";
  writeAtomically(dir + "/results.jsonl", jsonl);
  writeAtomically(dir + "/results.csv", sweepCsv(rows));
}

std::string sweepTable(const std::vector<SweepRow>& rows) {
  std::size_t width = 3;
  for (const SweepRow& r : rows) width = std::max(width, r.value("run", "").size());
  auto number = [](const SweepRow& r, const std::string& key) {
    return r.contains(key) && r[key].is_number() ? r[key].get<double>() : std::nan("");
  };
  std::ostringstream out;
  char line[512];
  std::snprintf(line, sizeof line, "%-*s  %-8s  %8s  %9s  %12s  %10s  %7s  %7s  %4s\n", int(width),
                "run", "status", rows.empty() ? "quality" : qualityKey(rows.front()) == "test_rmse" ? "rmse" : "accuracy",
                "test loss", "active par.", "infer FLOPs", "train s", "load CV", "dead");
  out << line;
  for (const SweepRow& r : rows) {
    std::snprintf(line, sizeof line, "%-*s  %-8s  %8.4f  %9.4f  %12.0f  %10.3g  %7.2f  %7.3f  %4.0f\n",
                  int(width), r.value("run", "").c_str(), r.value("status", "").c_str(),
                  number(r, qualityKey(r)), number(r, "test_loss"),
                  number(r, "params_active_per_input"), number(r, "inference_flops_per_sample"),
                  number(r, "train_seconds"), number(r, "load_cv"), number(r, "dead_experts"));
    out << line;
  }
  return out.str();
}

}  // namespace moe::core
