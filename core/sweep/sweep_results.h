#pragma once
/**
 * @file A sweep's results: one row per run, kept in DIR/results.jsonl (one JSON object a line,
 * with the run's whole config) and DIR/results.csv (the same rows without the config). The
 * JSON Lines file is the record a resumed sweep reads: a run whose complete row is there (same
 * id, same config but for the thread count, status done or diverged) is not trained again.
 *
 * Columns: run, the varied settings, status, the quality metric (test_accuracy or test_rmse),
 * test_loss, params_total, params_active_per_input, train_flops_per_sample,
 * inference_flops_per_sample, train_seconds, train_samples_per_s, run_seconds, load_cv,
 * max_vio, dropped_fraction, dead_experts, mutual_information, steps, epochs, threads, history
 * (the run's --history file, relative to DIR), error (diverged runs); config (JSON Lines only).
 */
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/sweep/sweep_spec.h"

namespace moe::core {

using SweepRow = nlohmann::ordered_json;

/** The columns every complete row has (besides the varied settings and the quality metric). */
const std::vector<std::string>& sweepRowColumns();

/** Whether `row` is a complete row of `run`: the same id and config (threads aside), a finished
 *  status (done, or diverged: a deterministic run diverges again) and every column present. */
bool isCompleteRow(const SweepRow& row, const SweepRun& run);

/** The rows of DIR/results.jsonl; lines that are not JSON objects (a line cut short when a
 *  sweep was killed) are skipped. A missing file gives no rows. */
std::vector<SweepRow> readSweepResults(const std::string& dir);

/** Writes DIR/results.jsonl and DIR/results.csv atomically (temporary files, then renames);
 *  the CSV's columns are every key of the rows but config, in order of first appearance.
 *  @throws SweepError when a file cannot be written. */
void writeSweepResults(const std::string& dir, const std::vector<SweepRow>& rows);

/** The rows as CSV text (header and one line per row). */
std::string sweepCsv(const std::vector<SweepRow>& rows);

/** A readable table of the rows for a terminal: run, quality, test loss, active parameters,
 *  inference FLOPs, training seconds, load CV, dead experts. */
std::string sweepTable(const std::vector<SweepRow>& rows);

}  // namespace moe::core
