#pragma once
/** @file Data-parallel layers over row shards (expert parallelism, core/parallel/): gathering
 *  the rows a weight gradient reads, so every rank computes the one-process gradient. */
#include "core/model/parameter.h"

namespace moe::core {

/**
 * Each rank holds a contiguous shard of a training batch's rows. A layer whose weights every
 * rank holds (the router's gate, a stem, a head) needs the whole batch's gradient X^T dY.
 * Summing each rank's partial product adds the same numbers in another order than the
 * one-process GEMM, which differs in the last bits and, through a routing flip, parts the runs;
 * gathering X and dY (in batch row order) and running the one GEMM on every rank gives the
 * one-process bits on every rank.
 */
class RowGather {
 public:
  virtual ~RowGather() = default;
  /** The whole batch's rows of `mine` (this rank's rows x cols), in batch order, in `into`;
   *  `mine` itself outside a sharded training step. Collective inside a step. */
  virtual compute::Tensor gather(const compute::Tensor& mine, Scratch& into) = 0;
};

}  // namespace moe::core
