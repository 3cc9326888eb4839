// The user's 2-D labelled points: "x,y,label" lines (parsePointsCsv, pointsCsv).
#include <charconv>
#include <cmath>
#include <set>
#include <sstream>

#include "core/data/toy_data.h"

namespace moe::core {

namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// Splits on the first delimiter present (',', ';' or tab).
std::vector<std::string> fields(const std::string& line) {
  char delim = ',';
  for (char c : {',', ';', '\t'})
    if (line.find(c) != std::string::npos) {
      delim = c;
      break;
    }
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(line);
  while (std::getline(in, cur, delim)) out.push_back(trim(cur));
  if (!line.empty() && line.back() == delim) out.emplace_back();
  return out;
}

bool parseNumber(const std::string& s, double& v) {
  if (s.empty()) return false;
  const char* b = s.data() + (s[0] == '+' ? 1 : 0);
  const auto r = std::from_chars(b, s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && std::isfinite(v);
}

}  // namespace

Dataset parsePointsCsv(const std::string& text, const std::string& source) {
  Dataset d;
  d.name = "toy:csv:" + source;
  d.kind = DataKind::Dense;
  d.features = 2;
  std::istringstream in(text);
  std::string raw;
  int lineNo = 0, maxLabel = -1;
  bool first = true;
  while (std::getline(in, raw)) {
    ++lineNo;
    const std::string line = trim(raw);
    if (line.empty() || line[0] == '#') continue;
    const auto f = fields(line);
    const std::string where = source + ":" + std::to_string(lineNo) + ": ";
    double x = 0, y = 0, label = 0;
    const bool numeric = f.size() == 3 && parseNumber(f[0], x) && parseNumber(f[1], y) &&
                         parseNumber(f[2], label);
    if (!numeric && first && f.size() == 3 && !parseNumber(f[0], x)) {  // a header line
      first = false;
      continue;
    }
    first = false;
    if (f.size() != 3)
      throw DataError(where + "expected 3 fields x,y,label, found " + std::to_string(f.size()));
    if (!numeric)
      throw DataError(where + "x, y and label must be numbers, found '" + line + "'");
    if (label < 0 || label >= kMaxToyClasses || label != std::floor(label))
      throw DataError(where + "label must be a whole number from 0 to " +
                      std::to_string(kMaxToyClasses - 1) + ", found '" + f[2] + "'");
    if (std::abs(x) > 1e6 || std::abs(y) > 1e6)
      throw DataError(where + "x and y must lie within +-1e6, found '" + line + "'");
    d.x.push_back(float(x));
    d.x.push_back(float(y));
    d.labels.push_back(std::int32_t(label));
    maxLabel = std::max(maxLabel, int(label));
  }
  if (d.rows() < kMinToySize)
    throw DataError(source + ": needs at least " + std::to_string(kMinToySize) +
                    " points (x,y,label lines), found " + std::to_string(d.rows()));
  const std::set<std::int32_t> seen(d.labels.begin(), d.labels.end());
  if (seen.size() < 2)
    throw DataError(source + ": needs points of at least 2 classes, found only class " +
                    std::to_string(*seen.begin()));
  d.classes = maxLabel + 1;
  for (int c = 0; c < d.classes; ++c) d.classNames.push_back(std::string(1, char('A' + c)));
  return d;
}

std::string pointsCsv(const Dataset& points) {
  std::ostringstream out;
  out.precision(7);
  out << "x,y,label\n";
  for (int r = 0; r < points.rows(); ++r)
    out << points.x[std::size_t(r) * 2] << ',' << points.x[std::size_t(r) * 2 + 1] << ','
        << points.labels[std::size_t(r)] << '\n';
  return out.str();
}

}  // namespace moe::core
