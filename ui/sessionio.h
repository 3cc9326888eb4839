#pragma once
#include <QString>

#include "core/train/config.h"
#include "core/train/run_history.h"

namespace moe::ui {

/** The file in a session folder that holds its settings and metric history, in the run-history
 *  format moe-train --history writes (core/train/history_file.h). */
inline const QString kSessionHistoryFile = QStringLiteral("history.jsonl");
/** The settings-and-history file of session folders written before the run-history format. */
inline const QString kLegacySessionFile = QStringLiteral("session.json");

/** Writes settings and metric history as a run-history file (JSON Lines), atomically. */
bool writeSessionFile(const QString& path, const core::TrainConfig& config,
                      const core::RunHistory& history, QString* error);
/** Reads a run-history file (the window's or moe-train's), or a session.json written by
 *  earlier versions of the window. */
bool readSessionFile(const QString& path, core::TrainConfig* config, core::RunHistory* history,
                     QString* error);
/** One row per training step, a column per metric of the table that the run records
 *  (core::metricKey); evaluation metrics filled on the steps that evaluated; per-expert
 *  metrics as one column per expert (<key>_e<expert>). */
bool exportMetricsCsv(const QString& path, const core::RunHistory& history, QString* error);

}  // namespace moe::ui
