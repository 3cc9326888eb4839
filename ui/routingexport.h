#pragma once
#include <functional>

#include <QString>

class QWidget;

namespace moe::ui {

class SessionController;

/**
 * Writes the latest evaluation's per-input routing as CSV (core/train/routing_csv.h: index,
 * label, prediction, correct, the chosen experts and their gates, highest first). False with
 * *error set when there is no evaluation yet or the file cannot be written; *step says which
 * evaluation was written.
 */
bool exportRoutingCsv(const QString& path, const SessionController& controller, QString* error,
                      long* step = nullptr);

/** File ▸ Export routing per input: asks for a file, writes it, and says where and of which
 *  evaluation (or what went wrong) through `done`. */
void exportRoutingDialog(QWidget* parent, const SessionController& controller,
                         const std::function<void(const QString& message, bool error)>& done);

}  // namespace moe::ui
