#pragma once
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/train/metrics.h"

namespace moe::core {

/** A routing CSV could not be written (the message names the path and the reason). */
class RoutingCsvError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/**
 * The columns of a routing CSV of report: for classes `index, label, label_name, prediction,
 * prediction_name, correct, confidence`, for ratings `index, target, prediction, abs_error`;
 * then `expert_1, gate_1, ..., expert_k, gate_k` for the k experts a row may take.
 */
std::vector<std::string> routingCsvColumns(const EvalReport& report);

/**
 * Per-input routing of an evaluation as CSV, beside the aggregate metrics CSV: one row per test
 * input, in the test split's order, with the experts that processed it ordered by their gate
 * probability, highest first (ties by expert number); a row that fewer experts took (dropped at
 * capacity) leaves the remaining pairs empty. Gates are the router's probabilities, written so
 * that they read back as the same float. Text rows list a text's experts by the tokens they
 * took, with the text's mean gate.
 * @param classNames the test split's class names (label_name; "" where there are fewer).
 */
void writeRoutingCsv(std::ostream& out, const EvalReport& report, const std::vector<std::string>& classNames);

/** writeRoutingCsv to path, atomically (a temporary file, then a rename).
 *  @throws RoutingCsvError naming the path and the reason. */
void writeRoutingCsvFile(const std::string& path, const EvalReport& report,
                         const std::vector<std::string>& classNames);

}  // namespace moe::core
