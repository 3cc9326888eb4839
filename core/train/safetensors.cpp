#include "core/train/safetensors.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <set>

#include <nlohmann/json.hpp>

#include "core/train/binary_file.h"

namespace moe::core {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; this reader copies bytes as they are");

namespace {

// The reference implementation refuses headers over 100 MB: no real header comes near.
constexpr std::uint64_t kMaxHeaderBytes = std::uint64_t(100) << 20;

std::string shapeText(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// A whole number >= 0 in a JSON value, or -1 when it is not one (float, negative, string).
std::int64_t wholeNumber(const nlohmann::json& v) {
  if (v.is_number_unsigned())
    return v.get<std::uint64_t>() > std::uint64_t(INT64_MAX) ? -1 : std::int64_t(v.get<std::uint64_t>());
  if (v.is_number_integer()) return v.get<std::int64_t>() < 0 ? -1 : v.get<std::int64_t>();
  return -1;
}

// Bytes a tensor of this shape and dtype takes; -1 on overflow past 2^62.
std::int64_t byteCount(const std::vector<std::int64_t>& shape, int elementSize) {
  std::int64_t n = elementSize;
  for (std::int64_t d : shape)
    if (__builtin_mul_overflow(n, d, &n) || n > (std::int64_t(1) << 62)) return -1;
  return n;
}

struct Entry {
  SafeTensor tensor;
  std::int64_t begin = 0, end = 0;
};

Entry parseEntry(const std::string& name, const nlohmann::json& v, const std::string& what) {
  const std::string at = what + ": tensor '" + name + "'";
  if (!v.is_object()) throw SafetensorsError(at + " is not an object with dtype, shape, data_offsets");
  for (const auto& [key, value] : v.items())
    if (key != "dtype" && key != "shape" && key != "data_offsets")
      throw SafetensorsError(at + " has an unknown key '" + key +
                             "' (an entry holds dtype, shape and data_offsets only)");
  for (const char* key : {"dtype", "shape", "data_offsets"})
    if (!v.contains(key)) throw SafetensorsError(at + " has no '" + key + "'");
  Entry e;
  e.tensor.name = name;
  if (!v["dtype"].is_string() || dtypeSize(v["dtype"].get<std::string>()) == 0)
    throw SafetensorsError(at + " has an unknown dtype " + v["dtype"].dump() +
                           " (the format's are BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, "
                           "BF16, I32, U32, F32, F64, I64, U64)");
  e.tensor.dtype = v["dtype"].get<std::string>();
  if (!v["shape"].is_array() || v["shape"].size() > 64)
    throw SafetensorsError(at + " has shape " + v["shape"].dump() + ", not a list of sizes");
  for (const auto& d : v["shape"]) {
    const std::int64_t n = wholeNumber(d);
    if (n < 0) throw SafetensorsError(at + " has shape " + v["shape"].dump() +
                                      ": sizes must be whole numbers >= 0");
    e.tensor.shape.push_back(n);
  }
  const auto& off = v["data_offsets"];
  if (!off.is_array() || off.size() != 2 || wholeNumber(off[0]) < 0 || wholeNumber(off[1]) < 0)
    throw SafetensorsError(at + " has data_offsets " + off.dump() +
                           ", not two whole numbers [begin, end]");
  e.begin = wholeNumber(off[0]);
  e.end = wholeNumber(off[1]);
  if (e.end < e.begin)
    throw SafetensorsError(at + " has data_offsets " + off.dump() + " that end before they begin");
  const std::int64_t need = byteCount(e.tensor.shape, dtypeSize(e.tensor.dtype));
  if (need < 0 || need != e.end - e.begin)
    throw SafetensorsError(at + ": shape " + shapeText(e.tensor.shape) + " of " + e.tensor.dtype +
                           " takes " + (need < 0 ? std::string("more than 2^62") : std::to_string(need)) +
                           " bytes, but its data_offsets " + off.dump() + " span " +
                           std::to_string(e.end - e.begin));
  return e;
}

}  // namespace

std::int64_t SafeTensor::elements() const {
  std::int64_t n = 1;
  for (std::int64_t d : shape) n *= d;
  return n;
}

std::vector<float> SafeTensor::floats() const {
  if (dtype != "F32")
    throw SafetensorsError("tensor '" + name + "' is " + dtype + "; F32 is needed");
  std::vector<float> out(bytes.size() / sizeof(float));
  if (!out.empty()) std::memcpy(out.data(), bytes.data(), out.size() * sizeof(float));
  return out;
}

const SafeTensor* SafeTensors::find(const std::string& name) const {
  for (const SafeTensor& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

SafeTensor f32Tensor(const std::string& name, std::vector<std::int64_t> shape,
                     const std::vector<float>& values) {
  SafeTensor t{name, "F32", std::move(shape), {}};
  t.bytes.assign(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
  return t;
}

SafeTensor i32Tensor(const std::string& name, std::vector<std::int64_t> shape,
                     const std::vector<std::int32_t>& values) {
  SafeTensor t{name, "I32", std::move(shape), {}};
  t.bytes.assign(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(std::int32_t));
  return t;
}

int dtypeSize(std::string_view dtype) {
  static const std::map<std::string_view, int> sizes = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1},
      {"I16", 2},  {"U16", 2}, {"F16", 2}, {"BF16", 2},    {"I32", 4},
      {"U32", 4},  {"F32", 4}, {"F64", 8}, {"I64", 8},     {"U64", 8}};
  const auto it = sizes.find(dtype);
  return it == sizes.end() ? 0 : it->second;
}

std::string encodeSafetensors(const SafeTensors& file) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
  std::set<std::string> names;
  std::int64_t offset = 0;
  for (const SafeTensor& t : file.tensors) {
    if (t.name.empty() || t.name == "__metadata__" || !names.insert(t.name).second)
      throw SafetensorsError("cannot write tensor name '" + t.name +
                             "' (empty, reserved or used twice)");
    const int size = dtypeSize(t.dtype);
    if (size == 0) throw SafetensorsError("tensor '" + t.name + "': unknown dtype '" + t.dtype + "'");
    if (byteCount(t.shape, size) != std::int64_t(t.bytes.size()))
      throw SafetensorsError("tensor '" + t.name + "': " + std::to_string(t.bytes.size()) +
                             " bytes do not fit shape " + shapeText(t.shape) + " of " + t.dtype);
    header[t.name] = {{"dtype", t.dtype},
                      {"shape", t.shape},
                      {"data_offsets", {offset, offset + std::int64_t(t.bytes.size())}}};
    offset += std::int64_t(t.bytes.size());
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // the data starts 8-byte aligned
  std::string out(8, '\0');
  const std::uint64_t n = text.size();
  std::memcpy(out.data(), &n, 8);
  out += text;
  out.reserve(out.size() + std::size_t(offset));
  for (const SafeTensor& t : file.tensors) out += t.bytes;
  return out;
}

SafeTensors decodeSafetensors(std::string_view bytes, const std::string& what) {
  if (bytes.size() < 8)
    throw SafetensorsError(what + " is truncated: " + std::to_string(bytes.size()) +
                           " bytes, less than the 8-byte header length");
  std::uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  if (n > kMaxHeaderBytes)
    throw SafetensorsError(what + ": header length " + std::to_string(n) +
                           " is over the format's limit of 100 MB (not a safetensors file?)");
  if (n > bytes.size() - 8)
    throw SafetensorsError(what + ": header length " + std::to_string(n) + " runs past the end of the " +
                           std::to_string(bytes.size()) + "-byte file (truncated?)");
  const std::string_view text = bytes.substr(8, std::size_t(n));
  if (text.empty() || text[0] != '{')
    throw SafetensorsError(what + ": the header does not start with '{' (not a safetensors file?)");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw SafetensorsError(what + ": the header is not valid JSON: " + e.what());
  }
  if (!header.is_object()) throw SafetensorsError(what + ": the header is not a JSON object");
  SafeTensors out;
  std::vector<Entry> entries;
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      if (!value.is_object())
        throw SafetensorsError(what + ": __metadata__ is not an object of strings");
      for (const auto& [key, v] : value.items()) {
        if (!v.is_string())
          throw SafetensorsError(what + ": __metadata__ '" + key + "' is " + v.dump() +
                                 ", not a string (the format allows strings only)");
        out.metadata[key] = v.get<std::string>();
      }
      continue;
    }
    entries.push_back(parseEntry(name, value, what));
  }
  // The tensors must tile the data: sorted by offset, each begins where the previous ended.
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin < b.begin || (a.begin == b.begin && a.end < b.end);
  });
  const std::int64_t data = std::int64_t(bytes.size() - 8 - n);
  std::int64_t at = 0;
  const Entry* previous = nullptr;
  for (Entry& e : entries) {
    const std::string name = "tensor '" + e.tensor.name + "'";
    if (e.end > data)
      throw SafetensorsError(what + ": " + name + " ends at byte " + std::to_string(e.end) +
                             " of the data, past its end at " + std::to_string(data) + " (truncated?)");
    if (e.begin < at)
      throw SafetensorsError(what + ": " + name + " [" + std::to_string(e.begin) + ", " +
                             std::to_string(e.end) + ") overlaps tensor '" + previous->tensor.name +
                             "' [" + std::to_string(previous->begin) + ", " +
                             std::to_string(previous->end) + ")");
    if (e.begin > at)
      throw SafetensorsError(what + ": " + std::to_string(e.begin - at) + " unused bytes before " +
                             name + " (the data must be contiguous)");
    e.tensor.bytes.assign(bytes.substr(std::size_t(8 + n + std::uint64_t(e.begin)),
                                       std::size_t(e.end - e.begin)));
    at = e.end;
    previous = &e;
  }
  if (at != data)
    throw SafetensorsError(what + ": " + std::to_string(data - at) +
                           " bytes after the last tensor belong to none");
  for (Entry& e : entries) out.tensors.push_back(std::move(e.tensor));
  return out;
}

void writeSafetensors(const std::string& path, const SafeTensors& file) {
  const std::string blob = encodeSafetensors(file);
  writeFileDurably<SafetensorsError>(path, blob, "safetensors file");
}

SafeTensors readSafetensors(const std::string& path) {
  const std::string blob = readBinaryFile<SafetensorsError>(path, "safetensors file");
  return decodeSafetensors(blob, "'" + path + "'");
}

}  // namespace moe::core
