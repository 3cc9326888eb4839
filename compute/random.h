#pragma once
/** @file
 * Counter-based random numbers: sample i of a stream depends only on (seed, i), so noisy
 * routers draw the same noise for the same seed whatever the backend, batch split or thread
 * count (the router draws it on the host and uploads it).
 */
#include <cmath>
#include <cstdint>

namespace moe::compute {

/** SplitMix64 finaliser: a good 64-bit mix of (seed, counter). */
inline std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/** Uniform in (0, 1) from 24 random bits; never 0 so log() is finite. */
inline float uniformAt(std::uint64_t seed, std::uint64_t counter) {
  const std::uint64_t bits = mix64(seed * 0x9e3779b97f4a7c15ULL + counter);
  return (float((bits >> 40) & 0xFFFFFFu) + 0.5f) * (1.0f / 16777216.0f);
}

/** Standard normal sample number `counter` of stream `seed` (Box-Muller on two uniforms). */
inline float normalAt(std::uint64_t seed, std::uint64_t counter) {
  const float u1 = uniformAt(seed, 2 * counter);
  const float u2 = uniformAt(seed, 2 * counter + 1);
  return std::sqrt(-2.0f * std::log(u1)) * std::cos(6.28318530717958647692f * u2);
}

}  // namespace moe::compute
