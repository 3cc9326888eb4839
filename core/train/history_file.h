#pragma once
/**
 * @file The one file format of a run's history, written by moe-train (--history) and by the
 * window (session folders), read by both: JSON Lines.
 *
 *   {"format":"moe-run-history","version":1,"quality":"accuracy","config":{...},
 *    "metrics":[{"id":"train_loss","scope":"step","label":"train loss","unit":"",...},...]}
 *   {"row":"step","step":1,"epoch":0,"epoch_progress":0.002,"train_loss":2.3,...}
 *   {"row":"eval","step":469,"epoch":1,"test_loss":0.41,"test_accuracy":0.85,...}
 *   {"row":"event","event":"collapse","step":120,"experts":[3],"message":"...","remedy":"..."}
 *
 * The first line is the header (the run's config, its quality metric and, for other tools,
 * the metric table's rows); every further line is one step or evaluation, in the order they
 * happened, with the metric ids of its scope as keys; router-health events (RouterEvent) follow
 * the step at which they fired. A value that is not finite is null;
 * keys a reader does not know are skipped, and metrics missing from a row read as NaN.
 */
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "core/train/config.h"
#include "core/train/run_history.h"

namespace moe::core {

/** A history file could not be read or written; what() names the file (and line). */
class HistoryFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/** What a history file holds. */
struct RunRecord {
  TrainConfig config;
  RunHistory history;
};

/** The metrics of one row as a JSON object: {id: value}, NaN as null, counts as integers;
 *  rows flagged kWhenMeasured are left out where not measured (NaN, or an empty vector).
 *  `requireFlags`: only the rows of the metric table that have all these MetricFlag bits. */
nlohmann::json metricsJson(const RunHistory& history, MetricScope scope, std::size_t row,
                           unsigned requireFlags = 0);

/** The whole file as text. Throws HistoryFileError when the config cannot be written. */
std::string historyText(const TrainConfig& config, const RunHistory& history);
/** Parses historyText's output; `name` prefixes error messages ("name:line: ..."). */
RunRecord parseHistory(std::string_view text, const std::string& name);

/** Writes the file atomically (a temporary file, then a rename). */
void writeHistoryFile(const std::string& path, const TrainConfig& config,
                      const RunHistory& history);
RunRecord readHistoryFile(const std::string& path);

}  // namespace moe::core
