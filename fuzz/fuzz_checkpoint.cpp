// Checkpoint files: the reader (magic, version, header size, tensor shapes, CRC) and what
// Session::load checks before it changes a session (the header's keys, the saved config). An
// odd first byte has its last four bytes replaced by the right CRC, so the fuzzer gets past
// the checksum to the header.
#include <zlib.h>

#include <cstring>
#include <iterator>

#include "core/train/checkpoint.h"
#include "core/train/checkpoint_header.h"
#include "core/train/config.h"
#include "fuzz/fuzz_support.h"

// With MOE_FUZZ_WRITE_SEEDS=DIR, writes a checkpoint in the current format there (the header
// Session::save writes, two small tensors), with and without the CRC fix-up byte.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = std::getenv("MOE_FUZZ_WRITE_SEEDS")) {
    nlohmann::json config;
    moe::core::to_json(config, moe::core::TrainConfig{});
    moe::core::Checkpoint cp;
    cp.meta = {{"format", "moe-explorer-checkpoint"}, {"config", config}, {"step", 3},
               {"epoch", 0}, {"cursor", 3}, {"optimizer_steps", 3}, {"features", 4},
               {"classes", 2}};
    cp.tensors.push_back({"gate.weight", 4, 2, std::vector<float>(8, 0.5f)});
    cp.tensors.push_back({"router_state/0", 1, 2, {1.0f, -1.0f}});
    const std::string raw = moe::fuzz::scratchDir() + "/seed.ckpt";
    moe::core::writeCheckpoint(raw, cp);
    std::ifstream in(raw, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const char mode : {'\0', '\1'})
      std::ofstream(std::string(dir) + "/checkpoint-" + char('0' + mode), std::ios::binary)
          << mode << bytes;
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1) && bytes.size() >= 4) {
    const std::uint32_t crc = std::uint32_t(crc32(crc32(0L, Z_NULL, 0),
                                                  reinterpret_cast<const Bytef*>(bytes.data()),
                                                  uInt(bytes.size() - 4)));
    std::memcpy(bytes.data() + bytes.size() - 4, &crc, 4);
  }
  const std::string path = moe::fuzz::writeScratch("f.ckpt", bytes);
  try {
    const moe::core::Checkpoint cp = moe::core::readCheckpoint(path);
    const moe::core::CheckpointHeader header = moe::core::parseCheckpointHeader(cp.meta, path);
    moe::core::TrainConfig saved;
    moe::core::from_json(header.config, saved);
  } catch (const moe::core::CheckpointError&) {
  } catch (const moe::core::ConfigError&) {
  }
  return 0;
}
