#pragma once
/** @file Numbers read from JSON files a user may edit (run histories, session files): a value
 *  of the wrong type or out of the destination's range is refused (std::runtime_error naming
 *  the key), never cast (a cast of 1e30 to int, or 1e300 to float, is undefined behaviour). */
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace moe::core {

/** j[key] as an integer of type T, or fallback when the key is missing. */
template <typename T>
T jsonInteger(const nlohmann::json& j, const char* key, T fallback) {
  const auto it = j.find(key);
  if (it == j.end()) return fallback;
  const bool fits =
      it->is_number_unsigned() ? it->get<std::uint64_t>() <= std::uint64_t(std::numeric_limits<T>::max())
      : it->is_number_integer() ? it->get<std::int64_t>() >= std::int64_t(std::numeric_limits<T>::min()) &&
                                      it->get<std::int64_t>() <= std::int64_t(std::numeric_limits<T>::max())
                                : false;
  if (!fits)
    throw std::runtime_error(std::string("\"") + key + "\" must be an integer in " +
                             std::to_string(std::numeric_limits<T>::min()) + ".." +
                             std::to_string(std::numeric_limits<T>::max()) + ", not " + it->dump());
  return T(it->get<std::int64_t>());
}

/** v as a float: a number in float's range (null: NaN). */
inline float jsonFloat(const nlohmann::json& v, const std::string& where) {
  if (v.is_null()) return std::numeric_limits<float>::quiet_NaN();
  if (!v.is_number()) throw std::runtime_error(where + " is not a number");
  const double d = v.get<double>();
  if (!(std::abs(d) <= double(std::numeric_limits<float>::max())))
    throw std::runtime_error(where + " is out of range (" + v.dump() + ")");
  return float(d);
}

/** j[key] as a list of floats (missing: empty). */
inline std::vector<float> jsonFloats(const nlohmann::json& j, const char* key) {
  std::vector<float> out;
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return out;
  if (!it->is_array()) throw std::runtime_error(std::string("\"") + key + "\" is not a list");
  for (const nlohmann::json& v : *it) out.push_back(jsonFloat(v, std::string("\"") + key + "\""));
  return out;
}

}  // namespace moe::core
