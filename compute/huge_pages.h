#pragma once
/** @file Large buffers (datasets, device copies) backed by transparent huge pages where the kernel offers them. */
#include <cstddef>
#include <vector>

namespace moe::compute {

/**
 * Asks the kernel to back [p, p + bytes) with transparent huge pages (madvise MADV_HUGEPAGE)
 * before the range is first touched. A dataset's buffers are hundreds of MB written once: on a
 * virtual machine every 4 kB page fault is expensive (Fashion-MNIST's load spent 60-70 % of its
 * time faulting in fresh pages), and a 2 MB page takes 512 of them at once. Only the 2 MB-aligned
 * middle of the range is advised; small ranges, other systems and kernels with huge pages off
 * are left as they are. Never fails.
 */
void adviseHugePages(void* p, std::size_t bytes);

/** Resizes v to n elements, the new room advised for huge pages before it is zero-filled. */
template <typename T>
void resizeHuge(std::vector<T>& v, std::size_t n) {
  if (n > v.capacity()) {
    std::vector<T> fresh;
    fresh.reserve(n);
    adviseHugePages(fresh.data(), n * sizeof(T));
    fresh.assign(v.begin(), v.end());
    v.swap(fresh);
  }
  v.resize(n);
}

}  // namespace moe::compute
