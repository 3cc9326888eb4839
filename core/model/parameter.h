#pragma once
/** @file Trainable tensors and reusable scratch space. */
#include <random>
#include <string>

#include "compute/backend.h"

namespace moe::core {

/** A trainable tensor and its gradient (same shape), both on the backend. */
struct Parameter {
  std::string name;
  compute::Tensor value;
  compute::Tensor grad;
  /**
   * Row-sparse gradient (embedding tables): when set, grad holds one row per entry of `rows`
   * (an n x 1 int32 tensor of distinct rows of value) and the optimizer updates only those
   * rows (lazy Adam: untouched rows and their moments stay as they are).
   */
  bool sparse = false;
  compute::Tensor rows;
};

/** Allocates value and grad; initialises value uniformly in [-bound, bound] (PyTorch's
 *  default for nn.Linear uses bound = 1 / sqrt(fan_in) for weights and biases). */
Parameter makeParameter(compute::Backend& backend, const std::string& name, int rows, int cols,
                        float bound, std::mt19937_64& rng);

/**
 * Scratch space that grows to the largest shape asked for and hands out views of it, so a
 * training step allocates nothing once batch and routing sizes have been seen.
 */
class Scratch {
 public:
  compute::Tensor get(compute::Backend& backend, int rows, int cols,
                      compute::DType dtype = compute::DType::F32);

 private:
  compute::Tensor mStorage;
};

}  // namespace moe::core
