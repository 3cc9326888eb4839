#pragma once
/** @file The safetensors file format (Hugging Face), written and read with nlohmann::json:
 *  8 bytes of little-endian header length N, N bytes of JSON header (padded with spaces so
 *  the data starts 8-byte aligned), then the tensors' bytes, little-endian, C order. The
 *  header maps each tensor's name to {"dtype", "shape", "data_offsets": [begin, end)} (offsets
 *  into the data after the header), plus an optional "__metadata__" of string -> string. */
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace moe::core {

/** A file (or bytes) is not valid safetensors, or a file cannot be written; what() names the
 *  file and the problem. */
class SafetensorsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/** One tensor: its name, dtype ("F32", "I32", ...), shape and raw little-endian bytes. */
struct SafeTensor {
  std::string name;
  std::string dtype;
  std::vector<std::int64_t> shape;
  std::string bytes;

  /** Product of the shape (1 for a scalar, shape []). */
  std::int64_t elements() const;
  /** The values of an F32 tensor. @throws SafetensorsError for another dtype. */
  std::vector<float> floats() const;
};

/** A whole file: the tensors in data order, and the optional metadata. */
struct SafeTensors {
  std::map<std::string, std::string> metadata;
  std::vector<SafeTensor> tensors;

  /** The tensor named `name`, or nullptr. */
  const SafeTensor* find(const std::string& name) const;
};

/** An F32 tensor of `values` with `shape` (whose product must be values.size()). */
SafeTensor f32Tensor(const std::string& name, std::vector<std::int64_t> shape,
                     const std::vector<float>& values);
/** An I32 tensor, as f32Tensor. */
SafeTensor i32Tensor(const std::string& name, std::vector<std::int64_t> shape,
                     const std::vector<std::int32_t>& values);

/** Bytes per element of a safetensors dtype name; 0 when the name is not one of the format's
 *  (BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64). */
int dtypeSize(std::string_view dtype);

/** The file's bytes: header in tensor order, "__metadata__" first when not empty, padded with
 *  spaces to a multiple of 8; data contiguous in tensor order.
 *  @throws SafetensorsError for a duplicate or empty name, an unknown dtype, or bytes that do
 *  not match dtype x shape. */
std::string encodeSafetensors(const SafeTensors& file);
/**
 * Parses and checks `bytes` (`what` names them in messages, e.g. the path): the header length
 * against the size, the header (a JSON object; each entry exactly dtype, shape, data_offsets;
 * known dtype names; non-negative whole numbers; metadata strings only), each tensor's bytes
 * against dtype x shape, and the offsets: in range, not overlapping, no gap, covering the
 * data to its end.
 * @throws SafetensorsError naming the problem (and the tensor).
 */
SafeTensors decodeSafetensors(std::string_view bytes, const std::string& what);

/** Writes atomically (temporary file, fsync, rename). @throws SafetensorsError. */
void writeSafetensors(const std::string& path, const SafeTensors& file);
/** Reads and checks a file (decodeSafetensors). @throws SafetensorsError. */
SafeTensors readSafetensors(const std::string& path);

}  // namespace moe::core
