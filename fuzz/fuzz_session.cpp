// Session folders' history files: the JSON Lines run history (history.jsonl, --history) and the
// older single-document session.json, read as the window's File > Load session reads them.
#include <nlohmann/json.hpp>

#include <fstream>

#include "core/train/history_file.h"
#include "fuzz/fuzz_support.h"
#include "ui/legacysession.h"

// With MOE_FUZZ_WRITE_SEEDS=DIR, writes a small history in the current format there.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = std::getenv("MOE_FUZZ_WRITE_SEEDS")) {
    moe::core::RunHistory history(moe::core::QualityMetric::Accuracy);
    for (long step = 1; step <= 3; ++step) {
      moe::core::StepMetrics m;
      m.step = step;
      m.loss = 1.0 / double(step);
      m.quality = 0.5;
      m.routing.load = {0.25f, 0.75f};
      m.routing.importance = {0.5f, 0.5f};
      history.append(m);
    }
    moe::core::EvalReport e;
    e.step = 3;
    e.epoch = 1;
    e.loss = 0.4;
    e.quality = 0.8;
    history.append(e);
    std::ofstream(std::string(dir) + "/history.jsonl")
        << moe::core::historyText(moe::core::TrainConfig{}, history);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = moe::fuzz::asText(data, size);
  try {
    const nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
    if (!doc.is_discarded() && moe::ui::isLegacySession(doc))
      moe::ui::readLegacySession(doc);
    else
      moe::core::parseHistory(text, "history.jsonl");
  } catch (const std::exception&) {
    // Both readers report a bad file by throwing; the window shows what() (sessionio.cpp).
  }
  return 0;
}
