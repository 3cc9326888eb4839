#pragma once
/** @file
 * A 2-D tensor (row-major matrix) living in a Backend's memory.
 *
 * Tensors are cheap handles: copying one shares the buffer. Float tensors hold activations,
 * weights and gradients; Int32 tensors hold row indices (dispatch plans, labels, top-k).
 */
#include <cstddef>
#include <cstdint>
#include <memory>

namespace moe::compute {

class Backend;

/** Element type of a tensor. */
enum class DType : std::uint8_t { F32, I32 };

/** Backend-specific storage. Each backend derives its own (host vector, cl::Buffer, ...). */
class Buffer {
 public:
  virtual ~Buffer() = default;
  /** Host pointer when the memory is host-visible (CPU backend); nullptr otherwise. */
  virtual void* hostData() { return nullptr; }
};

/** A row-major rows x cols matrix of one DType, owned by a Backend. */
class Tensor {
 public:
  Tensor() = default;
  Tensor(Backend* backend, std::shared_ptr<Buffer> buffer, int rows, int cols, DType dtype)
      : mBackend(backend), mBuffer(std::move(buffer)), mRows(rows), mCols(cols), mDType(dtype) {}

  int rows() const { return mRows; }
  int cols() const { return mCols; }
  std::size_t size() const { return std::size_t(mRows) * std::size_t(mCols); }
  DType dtype() const { return mDType; }
  bool empty() const { return mBuffer == nullptr; }
  Backend* backend() const { return mBackend; }
  Buffer* buffer() const { return mBuffer.get(); }

  /** The same buffer seen as rows x cols; rows * cols must not exceed what was allocated.
   *  Lets scratch space be reused for batches of varying size without reallocating. */
  Tensor view(int rows, int cols) const { return Tensor(mBackend, mBuffer, rows, cols, mDType); }

  /** Host pointers, valid only on host-visible backends (the CPU backend); else nullptr. */
  float* f32() const { return mBuffer ? static_cast<float*>(mBuffer->hostData()) : nullptr; }
  std::int32_t* i32() const {
    return mBuffer ? static_cast<std::int32_t*>(mBuffer->hostData()) : nullptr;
  }

 private:
  Backend* mBackend = nullptr;
  std::shared_ptr<Buffer> mBuffer;
  int mRows = 0;
  int mCols = 0;
  DType mDType = DType::F32;
};

}  // namespace moe::compute
