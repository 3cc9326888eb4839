#include "core/train/routing_csv.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <utility>

namespace moe::core {

namespace {

// Shortest text that reads back as the same float.
std::string number(float v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string quoted(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + '"';
}

}  // namespace

std::vector<std::string> routingCsvColumns(const EvalReport& report) {
  std::vector<std::string> columns =
      report.regression ? std::vector<std::string>{"index", "target", "prediction", "abs_error"}
                        : std::vector<std::string>{"index", "label", "label_name", "prediction",
                                                   "prediction_name", "correct", "confidence"};
  for (int j = 1; j <= report.k; ++j) {
    columns.push_back("expert_" + std::to_string(j));
    columns.push_back("gate_" + std::to_string(j));
  }
  return columns;
}

void writeRoutingCsv(std::ostream& out, const EvalReport& report, const std::vector<std::string>& classNames) {
  const std::vector<std::string> columns = routingCsvColumns(report);
  for (std::size_t i = 0; i < columns.size(); ++i) out << (i ? "," : "") << columns[i];
  out << '\n';
  const std::size_t rows = report.regression ? report.targets.size() : report.labels.size();
  const std::size_t k = std::size_t(std::max(0, report.k));
  const std::size_t experts = std::size_t(std::max(0, report.experts));
  const bool haveGates = report.gateProbs.size() == rows * experts;
  const auto name = [&](std::int32_t c) {
    return c >= 0 && std::size_t(c) < classNames.size() ? quoted(classNames[std::size_t(c)]) : std::string();
  };
  std::vector<std::pair<float, int>> chosen;
  for (std::size_t r = 0; r < rows; ++r) {
    out << r;
    if (report.regression) {
      const float target = report.targets[r];
      const float predicted = r < report.predictedValues.size() ? report.predictedValues[r] : 0.0f;
      out << ',' << number(target) << ',' << number(predicted) << ',' << number(std::abs(predicted - target));
    } else {
      const std::int32_t label = report.labels[r];
      const std::int32_t predicted = r < report.predictions.size() ? report.predictions[r] : -1;
      out << ',' << label << ',' << name(label) << ',' << predicted << ',' << name(predicted) << ','
          << (predicted == label ? 1 : 0) << ','
          << (r < report.predictionConfidence.size() ? number(report.predictionConfidence[r]) : std::string());
    }
    chosen.clear();
    for (std::size_t j = 0; j < k && (r + 1) * k <= report.topExperts.size(); ++j) {
      const std::int32_t e = report.topExperts[r * k + j];
      if (e < 0 || std::size_t(e) >= experts) continue;
      chosen.emplace_back(haveGates ? report.gateProbs[r * experts + std::size_t(e)] : 0.0f, e);
    }
    std::stable_sort(chosen.begin(), chosen.end(), [](const auto& a, const auto& b) {
      return a.first > b.first || (a.first == b.first && a.second < b.second);
    });
    for (std::size_t j = 0; j < k; ++j) {
      if (j < chosen.size())
        out << ',' << chosen[j].second << ',' << number(chosen[j].first);
      else
        out << ",,";
    }
    out << '\n';
  }
}

void writeRoutingCsvFile(const std::string& path, const EvalReport& report,
                         const std::vector<std::string>& classNames) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) throw RoutingCsvError("cannot write '" + tmp + "': " + std::strerror(errno));
    writeRoutingCsv(out, report, classNames);
    out.flush();
    if (!out) {
      const int err = errno;
      out.close();
      std::remove(tmp.c_str());
      throw RoutingCsvError("cannot write '" + tmp + "': " + std::strerror(err));
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    throw RoutingCsvError("cannot move the routing CSV into place at '" + path + "': " + std::strerror(err));
  }
}

}  // namespace moe::core
